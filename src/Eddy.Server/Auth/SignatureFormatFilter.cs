using Eddy.Protocol.Auth;

namespace Eddy.Server.Auth;

/// <summary>
/// <c>--auth off</c>: any access key and secret are accepted, but, as AWS does before it looks at a key, a request must
/// carry a SigV4 signature (Authorization header or presigned query) that is complete and well formed, dated within the
/// clock skew, signs the Host and is scoped to kinesis on the request's day; otherwise
/// MissingAuthenticationTokenException, IncompleteSignatureException or InvalidSignatureException with AWS's message.
/// The signature itself is not computed (no secret is known), so the body is not hashed.
/// </summary>
public sealed class SignatureFormatFilter : IRequestFilter
{
    private readonly SigV4Verifier _verifier;

    public SignatureFormatFilter(AuthFilterOptions? options = null)
    {
        options ??= new AuthFilterOptions();
        _verifier = new SigV4Verifier(_ => null, options.MaxClockSkew, "kinesis", options.Clock);
    }

    public ValueTask OnRequestAsync(RequestInfo request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = _verifier.CheckFormat(SigV4Http.RequestOf(request));
        return result.IsOk ? ValueTask.CompletedTask : throw SigV4Http.Refusal(result, request);
    }
}
