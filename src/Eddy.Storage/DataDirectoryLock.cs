using System.Globalization;
using System.Text;

namespace Eddy.Storage;

/// <summary>
/// Exclusive ownership of a data directory by one server process: the file <c>eddy.lock</c> in it, held open with an
/// exclusive lock (flock on Linux, a sharing-mode lock on Windows) for as long as the server runs. Two servers on one
/// directory would hand out the same sequence numbers and overwrite each other's catalog and logs.
/// </summary>
/// <remarks>
/// The lock is released by the operating system when the process ends, however it ends (kill -9 included), so a stale
/// lock never outlives its holder and needs no clean-up. The file holds the holder's pid as text, for people. Not
/// thread-safe; acquire once at start-up and dispose at exit.
/// </remarks>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "eddy.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(string directory, FileStream file)
    {
        Directory = directory;
        _file = file;
    }

    /// <summary>The locked directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Creates <paramref name="directory"/> if needed and locks it.</summary>
    /// <exception cref="DataDirectoryInUseException">Another process holds the lock.</exception>
    /// <exception cref="IOException">The lock file cannot be created (permissions, read-only file system, ...).</exception>
    public static DataDirectoryLock Acquire(string directory)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path))
        {
            throw new DataDirectoryInUseException(directory, FindHolder(path));
        }
        try
        {
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            file.SetLength(0);
            file.Write(pid);
            file.Flush();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return new DataDirectoryLock(directory, file);
    }

    /// <summary>Releases the lock (the file stays; its presence means nothing without the lock).</summary>
    public void Dispose() => _file.Dispose();

    /// <summary>The process that has <paramref name="path"/> open (Linux: found through /proc), or null when unknown.</summary>
    private static HolderProcess? FindHolder(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
                try
                {
                    foreach (var fd in System.IO.Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                    {
                        if (new FileInfo(fd).LinkTarget != path) continue;
                        var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                        return new HolderProcess(pid, command);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // another user's process, or one that just ended
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}

/// <summary>The process holding a data directory's lock.</summary>
public sealed record HolderProcess(int Pid, string CommandLine);

/// <summary>Another process holds the lock of a data directory.</summary>
public sealed class DataDirectoryInUseException(string directory, HolderProcess? holder)
    : IOException(holder is null
        ? $"the data directory {directory} is in use by another process"
        : $"the data directory {directory} is in use by process {holder.Pid} ({holder.CommandLine})")
{
    public string Directory { get; } = directory;
    public HolderProcess? Holder { get; } = holder;
}
