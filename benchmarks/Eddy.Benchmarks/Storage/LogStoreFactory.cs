using Eddy.Storage;

namespace Eddy.Benchmarks.Storage;

/// <summary>The store configurations the storage benchmarks compare.</summary>
public enum StoreKind
{
    /// <summary><see cref="MemoryLogStore"/>: the in-memory twin (cost of the log machinery without I/O).</summary>
    Memory,
    /// <summary><see cref="FileLogStore"/>, <see cref="FsyncPolicy.Always"/>: fdatasync per group commit (the durable default).</summary>
    FileFsyncAlways,
    /// <summary><see cref="FileLogStore"/>, <see cref="FsyncPolicy.Interval"/>: write(2) per group commit, fsync in the background.</summary>
    FileFsyncInterval,
}

/// <summary>Creates the stores under test, configured as <c>eddy serve</c> does by default (64 MiB segments).</summary>
public static class LogStoreFactory
{
    public static ILogStore Create(StoreKind kind, string directory) => kind switch
    {
        StoreKind.Memory => new MemoryLogStore(),
        StoreKind.FileFsyncAlways => new FileLogStore(new LogStoreOptions { Directory = directory, Fsync = FsyncPolicy.Always }),
        StoreKind.FileFsyncInterval => new FileLogStore(new LogStoreOptions { Directory = directory, Fsync = FsyncPolicy.Interval }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
