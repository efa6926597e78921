using System.Buffers;

namespace Eddy.Server;

/// <summary>
/// The pool for request bodies, decoded PutRecords data and responses (up to 16 MiB each). One bounded pool shared by
/// all threads: <see cref="ArrayPool{T}.Shared"/> keeps a cache per thread, which for multi-megabyte buffers on a busy
/// thread pool holds hundreds of megabytes.
/// </summary>
public static class BufferPool
{
    public static readonly ArrayPool<byte> Large = ArrayPool<byte>.Create(32 * 1024 * 1024, 16);
}
