namespace Eddy.Core.Functions;

/// <summary>
/// The function map: which HTTP endpoint answers for a function NAME. Shared by every Eddy service that calls functions
/// (Firehose's Lambda transform, stream triggers). A name is what a Lambda ARN names
/// (<c>arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]</c> resolves by NAME), so an application's ARNs work
/// unchanged once its functions are mapped.
/// </summary>
/// <remarks>
/// Threading: thread-safe; lookups are lock-free reads of an in-memory table, writes are serialized and durable (in the
/// catalog) before they return. Ownership: entries are immutable records. Cancellation: observed before a write starts;
/// a write that started completes. Failure: invalid input throws <see cref="FunctionException"/>
/// (<c>InvalidParameterValueException</c>, HTTP 400) and changes nothing; a catalog failure propagates unchanged and
/// changes nothing.
/// </remarks>
public interface IFunctionMap
{
    /// <summary>The entry for <paramref name="name"/> (exact, case-sensitive), or null.</summary>
    FunctionEntry? Find(string name);

    /// <summary>Every entry, in ordinal name order.</summary>
    IReadOnlyList<FunctionEntry> List();

    /// <summary>Maps <paramref name="name"/> to <paramref name="url"/> (replacing any mapping) and returns the stored entry.</summary>
    /// <remarks>The name must satisfy <see cref="FunctionNames.IsValidName"/>; the URL must be an absolute http or https
    /// URL (see <see cref="FunctionEntry.Kind"/> for how plain URLs and Lambda runtime emulators are told apart).</remarks>
    ValueTask<FunctionEntry> PutAsync(string name, string url, CancellationToken cancellationToken = default);

    /// <summary>Removes the mapping of <paramref name="name"/>; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>How a mapped URL is called.</summary>
public enum FunctionEndpointKind
{
    /// <summary>POST the event JSON to the URL as given; a non-2xx answer is a function error.</summary>
    Plain = 0,

    /// <summary>The Lambda Runtime Interface Emulator (or anything speaking Lambda's Invoke): the URL ends in
    /// <see cref="FunctionNames.InvocationPath"/>; a 200 with <c>X-Amz-Function-Error</c> is a function error.</summary>
    LambdaInvoke = 1,
}

/// <summary>A mapped function: its name, the URL that answers for it, and how that URL is called.</summary>
/// <param name="Name">The function's name (what a Lambda ARN's NAME part matches).</param>
/// <param name="Url">Absolute http(s) URL, as given.</param>
/// <param name="Kind"><see cref="FunctionEndpointKind.LambdaInvoke"/> when the URL's path ends in
/// <c>/2015-03-31/functions/&lt;any&gt;/invocations</c>, else <see cref="FunctionEndpointKind.Plain"/>.</param>
public sealed record FunctionEntry(string Name, Uri Url, FunctionEndpointKind Kind);

/// <summary>Function names, Lambda ARNs and URLs: parsing and validation shared by the map, the invoker and callers.</summary>
public static class FunctionNames
{
    /// <summary>The Lambda Invoke path the Runtime Interface Emulator serves (its function is always called <c>function</c>).</summary>
    public const string InvocationPath = "/2015-03-31/functions/function/invocations";

    /// <summary>Lambda's function-name rule for the NAME part: 1–64 of <c>[a-zA-Z0-9-_]</c>.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws <see cref="FunctionException"/> (InvalidParameterValueException) unless <see cref="IsValidName"/>.</summary>
    public static void RequireValidName(string? name)
    {
        if (!IsValidName(name))
        {
            throw FunctionException.InvalidParameter($"The function name '{name}' is not valid: 1 to 64 letters, digits, '-' or '_'.");
        }
    }

    /// <summary>
    /// The function NAME a reference names: a bare name, <c>NAME:QUALIFIER</c>, or a Lambda ARN
    /// <c>arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]</c> (partition <c>aws</c>, <c>aws-cn</c>, …). Null when
    /// it is none of these.
    /// </summary>
    public static string? NameOf(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }
        var parts = reference.Split(':');
        string name;
        if (parts.Length is 7 or 8 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function")
        {
            name = parts[6];
        }
        else if (parts.Length is 1 or 2)
        {
            name = parts[0];
        }
        else
        {
            return null;
        }
        return IsValidName(name) ? name : null;
    }

    /// <summary>The full ARN Lambda names in its errors for a reference: the reference itself when it is an ARN, else
    /// <c>arn:aws:lambda:REGION:ACCOUNT:function:REFERENCE</c>.</summary>
    public static string ArnOf(string reference, string region, string account)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.StartsWith("arn:", StringComparison.Ordinal) ? reference : $"arn:aws:lambda:{region}:{account}:function:{reference}";
    }

    /// <summary>Parses a mapped URL: absolute, http or https, no user info; its kind by its path.</summary>
    /// <exception cref="FunctionException">InvalidParameterValueException naming what is wrong.</exception>
    public static (Uri Url, FunctionEndpointKind Kind) ParseUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.UserInfo.Length > 0)
        {
            throw FunctionException.InvalidParameter($"The function URL '{url}' is not an absolute http or https URL.");
        }
        var segments = uri.AbsolutePath.TrimEnd('/').Split('/');
        var invoke = segments.Length >= 5 && segments[^1] == "invocations" && segments[^3] == "functions" && segments[^4] == "2015-03-31";
        return (uri, invoke ? FunctionEndpointKind.LambdaInvoke : FunctionEndpointKind.Plain);
    }
}

/// <summary>An error of the function map's API, in Lambda's shape (type, message, HTTP status).</summary>
public sealed class FunctionException(string errorType, string message, int statusCode = 400) : ServiceException(errorType, message, statusCode)
{
    public static FunctionException InvalidParameter(string message) => new("InvalidParameterValueException", message);

    /// <summary>Lambda's <c>Function not found: ARN</c> (ResourceNotFoundException, 404).</summary>
    public static FunctionException NotFound(string arn) => new("ResourceNotFoundException", $"Function not found: {arn}", 404);
}
