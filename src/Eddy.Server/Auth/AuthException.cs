using Eddy.Core;

namespace Eddy.Server.Auth;

/// <summary>Why the auth filters refused a request, whatever the service: each service words it its own way (Kinesis:
/// the error type the exception carries; S3: its own codes and statuses, mapped from this in one place).</summary>
public enum AuthFailure
{
    /// <summary>No signature at all (Kinesis: MissingAuthenticationTokenException).</summary>
    MissingSignature,

    /// <summary>A signature that is incomplete or malformed: parameters missing, wrong algorithm, wrong scope, both
    /// header and query signing, Host not signed.</summary>
    MalformedSignature,

    /// <summary>The signature is not the request's under the key's secret.</summary>
    SignatureMismatch,

    /// <summary>X-Amz-Date too far from the server clock.</summary>
    ClockSkew,

    /// <summary>A presigned URL past its X-Amz-Expires.</summary>
    PresignExpired,

    /// <summary>No such access key.</summary>
    UnknownKey,

    /// <summary>A session token missing, unexpected or wrong for the key.</summary>
    InvalidToken,

    /// <summary>Temporary credentials past their expiry.</summary>
    ExpiredToken,

    /// <summary>Authenticated, but no policy allows the action (or one denies it).</summary>
    Denied,
}

/// <summary>A refusal by <see cref="AuthFilter"/> or <see cref="SignatureFormatFilter"/>: on the wire exactly the
/// Kinesis error (type, message, 400) the filters always answered, plus the <see cref="Failure"/> another service maps
/// to its own error.</summary>
public sealed class AuthException(AuthFailure failure, ErrorCode code, string? message, bool presigned)
    : ServiceException(code.ToString(), message, KinesisException.StatusOf(code))
{
    public AuthFailure Failure { get; } = failure;

    /// <summary>Whether the request was signed in its query (a presigned URL) rather than its Authorization header.</summary>
    public bool Presigned { get; } = presigned;
}
