using BenchmarkDotNet.Running;

namespace Eddy.Benchmarks;

/// <summary>
/// Entry point: every public class with [Benchmark] methods in this assembly is picked up by
/// <see cref="BenchmarkSwitcher"/>; all arguments (<c>--filter '*'</c>, <c>--job short</c>, <c>--list flat</c>, ...)
/// go to it unchanged.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
