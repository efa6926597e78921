namespace Eddy.Storage;

/// <summary>Validation of log ids: <c>[A-Za-z0-9_.-]+</c>, at most 200 characters, and not "." or "..".</summary>
internal static class LogId
{
    public const int MaxLength = 200;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || id is "." or "..")
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static void Validate(string? id)
    {
        if (!IsValid(id))
        {
            throw new ArgumentException(
                $"Invalid log id '{id}': use 1 to {MaxLength} characters of [A-Za-z0-9_.-] (not '.' or '..').", nameof(id));
        }
    }
}
