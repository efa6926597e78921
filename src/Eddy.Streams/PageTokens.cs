using System.Buffers.Binary;
using System.Text;
using Eddy.Core;

namespace Eddy.Streams;

/// <summary>NextTokens for ListStreams / ListShards / ListStreamConsumers: scope(8) ‖ issued ms(8) ‖ UTF-8 "after".</summary>
internal sealed class PageTokens(EngineContext context)
{
    private const byte PageTokenKind = 2;
    private const long PageTokenLifetimeMs = 300_000;

    public string Encode(long scope, string after)
    {
        var bytes = new byte[16 + Encoding.UTF8.GetByteCount(after)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, scope);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), context.NowMs);
        Encoding.UTF8.GetBytes(after, bytes.AsSpan(16));
        return context.Tokens.Encode(PageTokenKind, bytes);
    }

    /// <summary>Decodes a NextToken; <paramref name="scope"/> -1 accepts any scope.</summary>
    public (long Scope, string After) Decode(string token, long scope)
    {
        var payload = context.Tokens.TryDecode(token, PageTokenKind);
        if (payload is null || payload.Length < 16) throw KinesisException.Invalid("Invalid NextToken.");
        var tokenScope = BinaryPrimitives.ReadInt64BigEndian(payload);
        if (scope >= 0 && tokenScope != scope) throw KinesisException.Invalid("Invalid NextToken.");
        if (context.NowMs - BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(8)) > PageTokenLifetimeMs)
            throw new KinesisException(ErrorCode.ExpiredNextTokenException, "The requested token has expired.");
        return (tokenScope, Encoding.UTF8.GetString(payload, 16, payload.Length - 16));
    }
}
