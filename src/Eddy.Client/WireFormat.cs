using Eddy.Protocol.Cbor;

namespace Eddy.Client;

/// <summary>How request and response bodies are encoded: AWS's JSON 1.1 protocol or its CBOR twin (the Java SDKs' default).</summary>
public enum WireFormat
{
    /// <summary><c>application/x-amz-json-1.1</c>.</summary>
    Json,

    /// <summary><c>application/x-amz-cbor-1.1</c>.</summary>
    Cbor,
}

/// <summary>Content types of the <see cref="WireFormat"/>s.</summary>
public static class WireFormats
{
    public const string JsonContentType = "application/x-amz-json-1.1";

    public const string CborContentType = CborJson.ContentType;

    public static string ContentType(this WireFormat format) => format == WireFormat.Cbor ? CborContentType : JsonContentType;
}
