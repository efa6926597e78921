using Eddy.Protocol.Model;

namespace Eddy.Server;

/// <summary>
/// One AWS JSON-protocol service behind Eddy's single port (Kinesis, Firehose, ...): <c>POST /</c> with
/// <c>X-Amz-Target: &lt;TargetPrefix&gt;&lt;Operation&gt;</c>. The shared <see cref="JsonEndpoint"/> does everything
/// that is the same for every such service — CORS, method, body, content type, CBOR, the target, errors — and hands
/// the service a <see cref="JsonRequest"/> for an operation of its model; the service parses, filters, validates
/// (through the request's helpers, in AWS's order) and runs it in one switch over its own handlers.
/// </summary>
/// <remarks>Register a service as a singleton <see cref="JsonService"/>; <see cref="ApiRouter"/> routes to it by its
/// <see cref="TargetPrefix"/>. Threading: <see cref="InvokeAsync"/> is called concurrently for many requests.</remarks>
public abstract class JsonService
{
    protected JsonService(ServiceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        TargetPrefix = (model.TargetPrefix ?? throw new ArgumentException("The model names no targetPrefix.", nameof(model))) + ".";
    }

    /// <summary>The service's botocore model: operations, shapes and constraints for validation and CBOR.</summary>
    public ServiceModel Model { get; }

    /// <summary>The <c>X-Amz-Target</c> prefix with its dot, e.g. <c>Kinesis_20131202.</c>.</summary>
    public string TargetPrefix { get; }

    /// <summary>The credential scope's service and IAM action prefix, e.g. <c>kinesis</c>.</summary>
    public string SigningName => Model.SigningName;

    /// <summary>Runs one operation of <see cref="Model"/>. Writes the JSON answer into <see cref="JsonRequest.Output"/>
    /// (nothing: an empty 200), or the response itself after setting <see cref="JsonRequest.Streamed"/>. Refuses with a
    /// <see cref="Eddy.Core.ServiceException"/>; any other exception is answered as an internal failure.</summary>
    public abstract ValueTask InvokeAsync(JsonRequest request);
}
