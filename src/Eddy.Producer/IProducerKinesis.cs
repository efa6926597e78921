using Eddy.Client.Kinesis;

namespace Eddy.Producer;

/// <summary>The two Kinesis calls a <see cref="KinesisProducer"/> makes: the seam tests replace with a fake.</summary>
/// <remarks>Called concurrently (several PutRecords in flight, a ListShards beside them). A call that fails throws; an
/// <see cref="Eddy.Client.EddyServiceException"/> carries the AWS error type the producer decides on, any other
/// exception counts as a network error (retried). Cancellation: the token is cancelled only when the producer is
/// disposed.</remarks>
public interface IProducerKinesis
{
    /// <summary>Kinesis <c>ListShards</c>.</summary>
    Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken);

    /// <summary>Kinesis <c>PutRecords</c>.</summary>
    Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken);
}

/// <summary><see cref="IProducerKinesis"/> over Eddy's <see cref="KinesisClient"/> (signed, pooled, AWS's standard
/// retries of whole calls). Does not own the client.</summary>
public sealed class KinesisClientCalls(KinesisClient client) : IProducerKinesis
{
    /// <inheritdoc/>
    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken) =>
        client.ListShardsAsync(request, cancellationToken);

    /// <inheritdoc/>
    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken) =>
        client.PutRecordsAsync(request, cancellationToken);
}
