using System.Buffers;
using Eddy.Protocol.Model;

namespace Eddy.Protocol.Cbor;

/// <summary>
/// Transcodes Kinesis bodies between AWS's CBOR protocol (<c>application/x-amz-cbor-1.1</c>, Java SDKs) and the JSON 1.1
/// protocol Eddy's handlers speak, guided by the operation's input or output shape. See docs/formats/cbor.md.
/// </summary>
public static partial class CborJson
{
    public const string ContentType = "application/x-amz-cbor-1.1";

    /// <summary>Deepest nesting of maps and arrays accepted in a request (the top-level map is level 1).</summary>
    internal const int MaxDepth = 64;

    /// <summary>
    /// Error body: map <c>{"__type": type, "message": message}</c> (message omitted when null).
    /// </summary>
    public static void WriteError(IBufferWriter<byte> cbor, string type, string? message)
    {
        ArgumentNullException.ThrowIfNull(cbor);
        ArgumentNullException.ThrowIfNull(type);
        var w = new CborWriter(cbor);
        w.MapHeader(message is null ? 1 : 2);
        w.TextString("__type"u8);
        w.TextString(type);
        if (message is not null)
        {
            w.TextString("message"u8);
            w.TextString(message);
        }
    }

    /// <summary>The member of <paramref name="structure"/> whose wire name is <paramref name="utf8Name"/>, or null.</summary>
    internal static Member? FindMember(Shape structure, ReadOnlySpan<byte> utf8Name)
    {
        foreach (var member in structure.Members)
        {
            if (utf8Name.SequenceEqual(member.Utf8Name))
            {
                return member;
            }
        }

        return null;
    }
}
