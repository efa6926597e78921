using System.Runtime.CompilerServices;

// The benchmarks compare this transcoder with CborJson side by side (docs/benchmarks.md).
[assembly: InternalsVisibleTo("Eddy.Benchmarks")]
