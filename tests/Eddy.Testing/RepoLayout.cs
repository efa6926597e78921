namespace Eddy.Testing;

/// <summary>Finds files of the source tree from a test's output directory.</summary>
public static class RepoLayout
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root: the nearest ancestor of the test output directory holding Eddy.slnx.
    /// The environment variable EDDY_REPO_ROOT overrides the search.</summary>
    public static string Root => s_root.Value;

    /// <summary>Path of a file or folder relative to the repository root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("EDDY_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(System.IO.Path.Combine(fromEnv, "Eddy.slnx")))
        {
            return System.IO.Path.GetFullPath(fromEnv);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Eddy.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find Eddy.slnx above {AppContext.BaseDirectory}; set EDDY_REPO_ROOT to the repository root.");
    }
}
