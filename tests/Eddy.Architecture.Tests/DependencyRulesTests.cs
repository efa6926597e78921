using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Eddy.Testing;

namespace Eddy.Architecture.Tests;

/// <summary>
/// The project dependency rules of docs/architecture.md (its "dependency-rules" table), checked against every src
/// project's csproj and against what its compiled assembly really references.
/// </summary>
public partial class DependencyRulesTests
{
    private sealed record Rule(string Project, HashSet<string> MayReference, bool AspNet);

    [GeneratedRegex(@"<!-- dependency-rules -->(?<table>.*?)<!-- /dependency-rules -->", RegexOptions.Singleline)]
    private static partial Regex RulesBlock();

    private static readonly Lazy<Dictionary<string, Rule>> s_rules = new(() =>
    {
        var doc = File.ReadAllText(RepoLayout.Path("docs", "architecture.md"));
        var block = RulesBlock().Match(doc);
        Assert.True(block.Success, "docs/architecture.md has no dependency-rules table");
        var rules = new Dictionary<string, Rule>(StringComparer.Ordinal);
        foreach (var line in block.Groups["table"].Value.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("| Eddy.", StringComparison.Ordinal)))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var allowed = cells[1] == "—" ? [] : cells[1].Split(',').Select(x => x.Trim()).ToHashSet(StringComparer.Ordinal);
            rules[cells[0]] = new Rule(cells[0], allowed, cells[2] == "yes");
        }
        return rules;
    });

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepoLayout.Path("src")).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Every_source_project_has_a_rule_and_its_csproj_keeps_to_it(string project)
    {
        Assert.True(s_rules.Value.TryGetValue(project, out var rule), $"{project} has no row in docs/architecture.md's dependency-rules table");
        var csproj = XDocument.Load(RepoLayout.Path("src", project, project + ".csproj"));
        var references = csproj.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        var forbidden = references.Where(r => !rule.MayReference.Contains(r)).ToList();
        Assert.True(forbidden.Count == 0, $"{project} references {string.Join(", ", forbidden)}, which docs/architecture.md does not allow");
        var aspNet = csproj.Descendants("FrameworkReference").Any(f => ((string?)f.Attribute("Include"))?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) == true)
            || csproj.Root!.Attribute("Sdk")?.Value.Contains("Web", StringComparison.Ordinal) == true;
        Assert.True(!aspNet || rule.AspNet, $"{project} uses ASP.NET Core, which docs/architecture.md allows only in Server and Host");
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Every_compiled_source_assembly_references_only_what_its_rule_allows(string project)
    {
        var rule = s_rules.Value[project];
        var path = Path.Combine(AppContext.BaseDirectory, (project == "Eddy.Host" ? "eddy" : project) + ".dll");
        Assert.True(File.Exists(path), $"{path} was not built next to the tests");
        var assembly = Assembly.LoadFrom(path);
        var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var eddy = references.Where(r => r.StartsWith("Eddy.", StringComparison.Ordinal)).ToList();
        var forbidden = eddy.Where(r => !rule.MayReference.Contains(r)).ToList();
        Assert.True(forbidden.Count == 0, $"{project} is compiled against {string.Join(", ", forbidden)}, which docs/architecture.md does not allow");
        if (!rule.AspNet)
        {
            var aspNet = references.Where(r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)).ToList();
            Assert.True(aspNet.Count == 0, $"{project} is compiled against {string.Join(", ", aspNet)}; only Server and Host may use ASP.NET Core");
        }
    }
}
