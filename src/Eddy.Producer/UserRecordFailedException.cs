namespace Eddy.Producer;

/// <summary>The final error of a user record: the error code of its last attempt (an AWS error type such as
/// <c>ResourceNotFoundException</c> or <c>ProvisionedThroughputExceededException</c>, or the KPL's own <c>Expired</c>
/// when <see cref="ProducerOptions.RecordTtl"/> passed before the record was stored), its message, and how many
/// PutRecords attempts carried the record.</summary>
public sealed class UserRecordFailedException : Exception
{
    /// <summary>A final error.</summary>
    public UserRecordFailedException(string errorCode, string errorMessage, int attempts)
        : base($"{errorCode}: {errorMessage}")
    {
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Attempts = attempts;
    }

    /// <summary>The error code of the last attempt, or <see cref="ProducerErrors.Expired"/>.</summary>
    public string ErrorCode { get; }

    /// <summary>The message that came with <see cref="ErrorCode"/>.</summary>
    public string ErrorMessage { get; }

    /// <summary>PutRecords calls that carried the record (0 when it failed before any was sent).</summary>
    public int Attempts { get; }
}

/// <summary>Error codes the producer gives itself (the others are AWS's).</summary>
public static class ProducerErrors
{
    /// <summary>The record's <see cref="ProducerOptions.RecordTtl"/> passed before it was stored (the KPL's code).</summary>
    public const string Expired = "Expired";

    /// <summary>A PutRecords answer listed another number of entries than were sent (the KPL's code).</summary>
    public const string RecordCountMismatch = "Record Count Mismatch";

    /// <summary>The call failed without an answer (connection refused or reset, timeout).</summary>
    public const string NetworkError = "NetworkError";
}
