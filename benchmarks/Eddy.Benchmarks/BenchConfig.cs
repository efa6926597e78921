using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;

namespace Eddy.Benchmarks;

/// <summary>The configuration every benchmark runs with (jobs come from the command line, e.g. <c>--job short</c>).</summary>
public static class BenchConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40))
        .WithOptions(ConfigOptions.DisableLogFile);
}
