using Microsoft.Extensions.Logging;

namespace Eddy.Storage;

/// <summary>What the storage layer logs.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: log {LogId}: cut off {Bytes} byte(s) of a torn or corrupt tail (writes that were never acknowledged); it continues at offset {EndOffset}")]
    public static partial void TruncatedOnOpen(ILogger logger, string logId, long bytes, long endOffset);
}
