using Eddy.Core;
using Eddy.Core.Objects;
using Eddy.Server.Auth;

namespace Eddy.Server.S3;

/// <summary>S3's wording of the errors the shared machinery raises: the one place a filter's refusal (authentication,
/// authorization, fault injection) becomes S3's code, status and message, and the payload-check errors.</summary>
internal static class S3Errors
{
    public const string SignatureDoesNotMatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

    /// <summary>A filter's <see cref="ServiceException"/> as S3 answers it. Auth refusals by
    /// <see cref="AuthException.Failure"/>; fault-injected Kinesis errors by kind (a throttling error is S3's
    /// <c>SlowDown</c>); anything already S3's passes unchanged.</summary>
    public static ServiceException FromFilter(ServiceException e) => e switch
    {
        AuthException auth => auth.Failure switch
        {
            AuthFailure.MissingSignature or AuthFailure.Denied => new ObjectStoreException("AccessDenied", "Access Denied", 403),
            AuthFailure.MalformedSignature => auth.Presigned
                ? new ObjectStoreException("AuthorizationQueryParametersError", auth.ErrorMessage ?? "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.", 400)
                : new ObjectStoreException("AuthorizationHeaderMalformed", auth.ErrorMessage ?? "The authorization header you provided is invalid.", 400),
            AuthFailure.SignatureMismatch => new ObjectStoreException("SignatureDoesNotMatch", SignatureDoesNotMatchMessage, 403),
            AuthFailure.ClockSkew => new ObjectStoreException("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403),
            AuthFailure.PresignExpired => new ObjectStoreException("AccessDenied", "Request has expired", 403),
            AuthFailure.UnknownKey => new ObjectStoreException("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
            AuthFailure.InvalidToken => new ObjectStoreException("InvalidToken", "The provided token is malformed or otherwise invalid.", 400),
            AuthFailure.ExpiredToken => new ObjectStoreException("ExpiredToken", "The provided token has expired.", 400),
            _ => new ObjectStoreException("AccessDenied", "Access Denied", 403),
        },
        KinesisException { Code: ErrorCode.InternalFailure } => new ObjectStoreException("InternalError", "We encountered an internal error. Please try again.", 500),
        KinesisException { Code: ErrorCode.ServiceUnavailable } => new ObjectStoreException("ServiceUnavailable", "Service is unable to handle request.", 503),
        KinesisException { Code: ErrorCode.ProvisionedThroughputExceededException or ErrorCode.LimitExceededException }
            => new ObjectStoreException("SlowDown", "Please reduce your request rate.", 503),
        _ => e,
    };

    /// <summary>The body did not hash to its declared <c>x-amz-content-sha256</c>.</summary>
    public static ServiceException ContentSha256Mismatch(byte[] declared, byte[] computed) =>
        new ObjectStoreException("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400)
        {
            Details = [("ClientComputedContentSHA256", Convert.ToHexStringLower(declared)), ("S3ComputedContentSHA256", Convert.ToHexStringLower(computed))],
        };

    /// <summary>The body did not hash to its <c>Content-MD5</c>.</summary>
    public static ServiceException BadDigest(byte[] declared, byte[] computed) =>
        new ObjectStoreException("BadDigest", "The Content-MD5 you specified did not match what we received.", 400)
        {
            Details = [("ExpectedDigest", Convert.ToBase64String(declared)), ("CalculatedDigest", Convert.ToBase64String(computed))],
        };
}
