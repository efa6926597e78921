using Eddy.Testing;

namespace Eddy.Objects.Tests;

/// <summary>The contract over <see cref="S3ObjectStore"/> against a real s3rver (path-style, as s3rver wants). Where
/// s3rver itself differs from S3 (listing order and paging, concurrent replacement, awkward keys) the checks are
/// left to the embedded stores.</summary>
public sealed class S3ObjectStoreContractTests(S3rver s3rver) : ObjectStoreContractTests, IClassFixture<S3rver>
{
    protected override bool ListsLikeS3 => false;

    protected override bool ReplacesAtomically => false;

    protected override bool StoresAwkwardKeys => false;

    protected override bool SupportsMultipart => false;

    protected override Task<IObjectStore> NewStoreAsync() =>
        Task.FromResult<IObjectStore>(new S3ObjectStore(new S3StoreOptions(s3rver.Url, "us-east-1", S3rver.AccessKey, S3rver.AccessKey)));
}
