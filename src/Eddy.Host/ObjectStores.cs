using Eddy.Core.Objects;
using Eddy.Objects;

namespace Eddy.Host;

/// <summary>The bucket store of <c>eddy serve</c>: Firehose delivers into it and the S3 API serves it.</summary>
internal static class ObjectStores
{
    /// <summary>The embedded store under <c>&lt;data-dir&gt;/s3/</c>, or its memory twin for <c>--in-memory</c>.</summary>
    public static IObjectStore Open(string directory, bool memory) =>
        memory ? new MemoryObjectStore() : FileObjectStore.Open(Path.Combine(directory, "s3"));
}
