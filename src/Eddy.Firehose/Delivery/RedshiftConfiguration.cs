using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Eddy.Core.Firehose;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// A Redshift destination (<c>RedshiftDestinationConfiguration</c>) as Eddy runs it, PostgreSQL standing in for the
/// cluster: the connection from <c>ClusterJDBCURL</c>, <c>Username</c> and <c>Password</c>, the target table and columns
/// of the <c>CopyCommand</c>, its <c>CopyOptions</c> translated (<see cref="CopyOptions"/>), the retry duration.
/// </summary>
/// <remarks>Immutable; parsed from the stored configuration at every flush (cheap) and checked once by
/// <see cref="Prepare"/> at CreateDeliveryStream and UpdateDestination. Failures are <c>InvalidArgumentException</c>s
/// (<see cref="FirehoseException.Invalid"/>).</remarks>
internal sealed record RedshiftConfiguration(
    string Host,
    int Port,
    string Database,
    string Username,
    string Password,
    string Table,
    IReadOnlyList<string>? Columns,
    CopyOptions Copy,
    TimeSpan RetryDuration)
{
    /// <summary>AWS's default <c>RetryOptions.DurationInSeconds</c> for Redshift.</summary>
    public const int DefaultRetrySeconds = 3600;

    /// <summary>Checks a Redshift configuration and fills in AWS's defaults that Describe shows (<c>RetryOptions</c>,
    /// <c>S3BackupMode</c>); the intermediate <c>S3Configuration</c> may only be GZIP or UNCOMPRESSED, with a prefix
    /// without expressions and no ErrorOutputPrefix (shared/specs/firehose.md §6.2 rule 5, §8).</summary>
    public static void Prepare(JsonObject configuration)
    {
        configuration["RetryOptions"] ??= new JsonObject { ["DurationInSeconds"] = DefaultRetrySeconds };
        if (configuration["RetryOptions"] is JsonObject retry)
        {
            retry["DurationInSeconds"] ??= DefaultRetrySeconds;
        }
        configuration["S3BackupMode"] ??= "Disabled";
        if ((string?)configuration["S3BackupMode"] == "Enabled" && configuration["S3BackupConfiguration"] is not JsonObject)
        {
            throw FirehoseException.Invalid("S3BackupConfiguration is required when S3BackupMode is Enabled.");
        }
        if (configuration["SecretsManagerConfiguration"] is JsonObject secrets && (bool?)secrets["Enabled"] == true)
        {
            throw FirehoseException.Invalid("SecretsManagerConfiguration is not supported by Eddy: give Username and Password.");
        }
        if (configuration["S3Configuration"] is JsonObject s3)
        {
            var compression = (string?)s3["CompressionFormat"] ?? "UNCOMPRESSED";
            if (compression is not ("UNCOMPRESSED" or "GZIP"))
            {
                throw FirehoseException.Invalid($"Compression format {compression} is not supported for the Redshift destination's S3Configuration; use GZIP or UNCOMPRESSED.");
            }
            if (ObjectKeys.Parse((string?)s3["Prefix"] ?? "", "Prefix").Any(p => p.IsExpression))
            {
                throw FirehoseException.Invalid("The Redshift destination's S3Configuration Prefix cannot contain expressions.");
            }
            if (!string.IsNullOrEmpty((string?)s3["ErrorOutputPrefix"]))
            {
                throw FirehoseException.Invalid("The Redshift destination's S3Configuration cannot have an ErrorOutputPrefix.");
            }
        }
        var parsed = From(configuration);
        var gzip = (string?)configuration["S3Configuration"]?["CompressionFormat"] == "GZIP";
        if (parsed.Copy.Gzip != gzip)
        {
            // Redshift's COPY would fail at every flush until the retry duration ran out; Eddy says so at once.
            throw FirehoseException.Invalid(gzip
                ? "CopyOptions must include GZIP when the S3Configuration's CompressionFormat is GZIP."
                : "CopyOptions cannot include GZIP when the S3Configuration's CompressionFormat is UNCOMPRESSED.");
        }
    }

    /// <summary>The configuration as stored; <c>InvalidArgumentException</c> when it cannot be run.</summary>
    public static RedshiftConfiguration From(JsonObject configuration)
    {
        var (host, port, database) = ParseJdbcUrl((string?)configuration["ClusterJDBCURL"] ?? "");
        var username = (string?)configuration["Username"];
        var password = (string?)configuration["Password"];
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            throw FirehoseException.Invalid("Username and Password are required for the Redshift destination.");
        }
        var copy = configuration["CopyCommand"] as JsonObject;
        var table = (string?)copy?["DataTableName"];
        if (string.IsNullOrWhiteSpace(table))
        {
            throw FirehoseException.Invalid("CopyCommand.DataTableName is required.");
        }
        var columnsText = (string?)copy!["DataTableColumns"];
        var columns = string.IsNullOrWhiteSpace(columnsText) ? null : SplitIdentifiers(columnsText, ',', "DataTableColumns");
        var seconds = (int?)configuration["RetryOptions"]?["DurationInSeconds"] ?? DefaultRetrySeconds;
        return new RedshiftConfiguration(host, port, database, username, password, QualifiedName(table),
            columns?.Select(c => Quote(c)).ToList(), CopyOptions.Parse((string?)copy["CopyOptions"] ?? ""), TimeSpan.FromSeconds(seconds));
    }

    /// <summary>The connection string of Npgsql. A host <c>*.localhost</c> is the loopback address (RFC 6761), so that a
    /// URL in AWS's cluster shape (<c>name.redshift.localhost</c>) reaches a local PostgreSQL.</summary>
    public string ConnectionString
    {
        get
        {
            var host = Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" : Host;
            return $"Host={host};Port={Port};Database={Database};Username={Username};Password={Password};Timeout=15;Command Timeout=0;Include Error Detail=true";
        }
    }

    /// <summary><c>jdbc:redshift://host:port/db</c> or <c>jdbc:postgresql://host:port/db</c> (an IPv6 host in brackets;
    /// JDBC parameters after <c>?</c> are ignored).</summary>
    public static (string Host, int Port, string Database) ParseJdbcUrl(string url)
    {
        string rest;
        if (url.StartsWith("jdbc:redshift://", StringComparison.Ordinal))
        {
            rest = url["jdbc:redshift://".Length..];
        }
        else if (url.StartsWith("jdbc:postgresql://", StringComparison.Ordinal))
        {
            rest = url["jdbc:postgresql://".Length..];
        }
        else
        {
            throw FirehoseException.Invalid($"ClusterJDBCURL {url} must be of the form jdbc:redshift://host:port/database or jdbc:postgresql://host:port/database.");
        }
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            rest = rest[..query];
        }
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var hostPort = slash < 0 ? rest : rest[..slash];
        var database = slash < 0 ? "" : rest[(slash + 1)..];
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || hostPort.EndsWith(']') || database.Length == 0
            || !int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw FirehoseException.Invalid($"ClusterJDBCURL {url} must be of the form jdbc:redshift://host:port/database or jdbc:postgresql://host:port/database.");
        }
        var host = hostPort[..colon].Trim('[', ']');
        return (host, port, database);
    }

    /// <summary>A table name as SQL: each part of <c>schema.table</c> folded to lowercase unless double-quoted, as
    /// Redshift folds identifiers, then quoted.</summary>
    public static string QualifiedName(string name) => string.Join('.', SplitIdentifiers(name, '.', "DataTableName").Select(Quote));

    /// <summary>An identifier as SQL, double-quoted.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Splits a list of identifiers at <paramref name="separator"/> outside double quotes; unquoted ones are
    /// trimmed and folded to lowercase, quoted ones kept as written.</summary>
    private static List<string> SplitIdentifiers(string text, char separator, string member)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
                wasQuoted = true;
            }
            else if (c == separator)
            {
                Add();
            }
            else
            {
                current.Append(char.ToLowerInvariant(c));
            }
        }
        if (quoted)
        {
            throw FirehoseException.Invalid($"{member} has an unterminated double quote: {text}");
        }
        Add();
        return result;

        void Add()
        {
            var name = wasQuoted ? current.ToString() : current.ToString().Trim();
            if (name.Length == 0)
            {
                throw FirehoseException.Invalid($"{member} has an empty name: {text}");
            }
            result.Add(name);
            current.Clear();
            wasQuoted = false;
        }
    }
}

/// <summary>The data format of a COPY.</summary>
internal enum CopyFormat
{
    /// <summary>Redshift's default: delimited text (<c>|</c>), one row per line.</summary>
    Text,
    Csv,
    Json,
}

/// <summary>
/// The <c>CopyOptions</c> of a Redshift COPY that Eddy translates: <c>JSON 'auto'</c> / <c>'auto ignorecase'</c>,
/// <c>CSV</c> (<c>QUOTE AS</c>), <c>DELIMITER</c>, <c>GZIP</c>, <c>IGNOREHEADER</c>, <c>NULL AS</c>, <c>EMPTYASNULL</c>,
/// <c>BLANKSASNULL</c>, <c>ESCAPE</c>, <c>REMOVEQUOTES</c>, <c>TRIMBLANKS</c>, <c>TIMEFORMAT</c>/<c>DATEFORMAT 'auto'</c>
/// (PostgreSQL parses the values); <c>REGION</c>, <c>CREDENTIALS</c>, <c>IAM_ROLE</c>, access keys, <c>MANIFEST</c>,
/// <c>COMPUPDATE</c>, <c>STATUPDATE</c>, <c>ACCEPTANYDATE</c>, <c>TRUNCATECOLUMNS</c> are accepted and ignored. Anything
/// else is refused with <c>InvalidArgumentException</c>. Immutable.
/// </summary>
internal sealed record CopyOptions(
    CopyFormat Format,
    bool IgnoreCase,
    char Delimiter,
    char Quote,
    bool Gzip,
    int IgnoreHeader,
    string? NullAs,
    bool EmptyAsNull,
    bool BlanksAsNull,
    bool Escape,
    bool RemoveQuotes,
    bool TrimBlanks)
{
    private static readonly HashSet<string> s_ignoredWithValue = new(StringComparer.OrdinalIgnoreCase)
    {
        "REGION", "CREDENTIALS", "IAM_ROLE", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN",
    };

    private static readonly HashSet<string> s_switches = new(StringComparer.OrdinalIgnoreCase) { "ON", "OFF", "TRUE", "FALSE", "PRESET" };

    private static readonly HashSet<string> s_ignored = new(StringComparer.OrdinalIgnoreCase) { "MANIFEST", "ACCEPTANYDATE", "TRUNCATECOLUMNS" };

    /// <summary>Parses <c>CopyOptions</c> (keywords in any case, an optional <c>AS</c> before values, a trailing
    /// <c>;</c>).</summary>
    public static CopyOptions Parse(string text)
    {
        var tokens = Tokenize(text);
        var format = (CopyFormat?)null;
        var ignoreCase = false;
        char? delimiter = null;
        char? quote = null;
        var gzip = false;
        var ignoreHeader = 0;
        string? nullAs = null;
        bool emptyAsNull = false, blanksAsNull = false, escape = false, removeQuotes = false, trimBlanks = false;
        var i = 0;
        while (i < tokens.Count)
        {
            var (word, isString) = tokens[i++];
            if (isString)
            {
                throw Bad(text, $"unexpected '{word}'");
            }
            switch (word.ToUpperInvariant())
            {
                case "FORMAT":
                    SkipAs();
                    i = i < tokens.Count && !tokens[i].IsString ? i : throw Bad(text, "FORMAT needs JSON or CSV");
                    continue; // the format keyword itself follows
                case "JSON":
                    SetFormat(CopyFormat.Json);
                    SkipAs();
                    var how = i < tokens.Count && tokens[i].IsString ? tokens[i++].Text : "auto";
                    if (how.Equals("auto ignorecase", StringComparison.OrdinalIgnoreCase))
                    {
                        ignoreCase = true;
                    }
                    else if (!how.Equals("auto", StringComparison.OrdinalIgnoreCase))
                    {
                        throw Bad(text, $"JSON '{how}' is not supported (JSONPaths files are not); use JSON 'auto' or JSON 'auto ignorecase'");
                    }
                    break;
                case "CSV":
                    SetFormat(CopyFormat.Csv);
                    break;
                case "QUOTE":
                    quote = SingleChar(Value("QUOTE"), "QUOTE");
                    break;
                case "DELIMITER":
                    delimiter = SingleChar(Value("DELIMITER"), "DELIMITER");
                    break;
                case "GZIP":
                    gzip = true;
                    break;
                case "IGNOREHEADER":
                    var n = Value("IGNOREHEADER");
                    if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out ignoreHeader))
                    {
                        throw Bad(text, $"IGNOREHEADER needs a number of lines, not '{n}'");
                    }
                    break;
                case "NULL":
                    nullAs = Unescape(Value("NULL"));
                    break;
                case "EMPTYASNULL":
                    emptyAsNull = true;
                    break;
                case "BLANKSASNULL":
                    blanksAsNull = true;
                    break;
                case "ESCAPE":
                    escape = true;
                    break;
                case "REMOVEQUOTES":
                    removeQuotes = true;
                    break;
                case "TRIMBLANKS":
                    trimBlanks = true;
                    break;
                case "TIMEFORMAT" or "DATEFORMAT":
                    var pattern = Value(word.ToUpperInvariant());
                    if (!pattern.Equals("auto", StringComparison.OrdinalIgnoreCase))
                    {
                        throw Bad(text, $"{word.ToUpperInvariant()} '{pattern}' is not supported; use 'auto' (PostgreSQL parses the values)");
                    }
                    break;
                case "LZOP" or "BZIP2" or "ZSTD":
                    throw Bad(text, $"{word.ToUpperInvariant()} is not supported: the intermediate objects are GZIP or UNCOMPRESSED");
                case var w when s_ignoredWithValue.Contains(w):
                    _ = Value(w);
                    break;
                case var w when s_ignored.Contains(w):
                    break;
                case "COMPUPDATE" or "STATUPDATE":
                    if (i < tokens.Count && !tokens[i].IsString && s_switches.Contains(tokens[i].Text))
                    {
                        i++;
                    }
                    break;
                default:
                    throw Bad(text, $"{word} is not an option Eddy supports");
            }
        }
        var f = format ?? CopyFormat.Text;
        if (f == CopyFormat.Json && (delimiter is not null || quote is not null || ignoreHeader > 0 || removeQuotes || escape))
        {
            throw Bad(text, "JSON cannot be combined with DELIMITER, QUOTE, IGNOREHEADER, ESCAPE or REMOVEQUOTES");
        }
        if (f != CopyFormat.Csv && quote is not null)
        {
            throw Bad(text, "QUOTE is only allowed with CSV");
        }
        if (f == CopyFormat.Csv && (escape || removeQuotes))
        {
            throw Bad(text, "CSV cannot be combined with ESCAPE or REMOVEQUOTES");
        }
        return new CopyOptions(f, ignoreCase, delimiter ?? (f == CopyFormat.Csv ? ',' : '|'), quote ?? '"', gzip, ignoreHeader,
            nullAs ?? (f == CopyFormat.Text ? "\\N" : null), emptyAsNull, blanksAsNull, escape, removeQuotes, trimBlanks);

        void SetFormat(CopyFormat value)
        {
            if (format is { } existing && existing != value)
            {
                throw Bad(text, $"{existing.ToString().ToUpperInvariant()} and {value.ToString().ToUpperInvariant()} cannot both be given");
            }
            format = value;
        }

        void SkipAs()
        {
            if (i < tokens.Count && !tokens[i].IsString && tokens[i].Text.Equals("AS", StringComparison.OrdinalIgnoreCase))
            {
                i++;
            }
        }

        string Value(string option)
        {
            SkipAs();
            if (i >= tokens.Count)
            {
                throw Bad(text, $"{option} needs a value");
            }
            return tokens[i++].Text;
        }
    }

    private static char SingleChar(string value, string option)
    {
        var unescaped = Unescape(value);
        return unescaped.Length == 1 ? unescaped[0] : throw FirehoseException.Invalid($"CopyOptions: {option} must be a single character, not '{value}'.");
    }

    /// <summary>The escapes Redshift reads in option values: <c>\t</c>, <c>\n</c>, <c>\\</c>, <c>\'</c>; <c>\N</c> stays as is.</summary>
    private static string Unescape(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] is 't' or 'n' or '\\' or '\'')
            {
                sb.Append(value[++i] switch { 't' => '\t', 'n' => '\n', var c => c });
            }
            else
            {
                sb.Append(value[i]);
            }
        }
        return sb.ToString();
    }

    private static FirehoseException Bad(string text, string why) => FirehoseException.Invalid($"CopyOptions '{text}' cannot be run by Eddy: {why}.");

    /// <summary>Words (letters, digits, <c>_</c>), and single-quoted strings (<c>''</c> and <c>\'</c> for a quote).</summary>
    private static List<(string Text, bool IsString)> Tokenize(string text)
    {
        List<(string Text, bool IsString)> tokens = [];
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == ';' || c == ',')
            {
                i++;
            }
            else if (c == '\'')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw Bad(text, "a quoted value is not terminated");
                    }
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        sb.Append(text[i]).Append(text[i + 1]);
                        i += 2;
                    }
                    else if (text[i] == '\'' && i + 1 < text.Length && text[i + 1] == '\'')
                    {
                        sb.Append('\'');
                        i += 2;
                    }
                    else if (text[i] == '\'')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        sb.Append(text[i++]);
                    }
                }
                tokens.Add((sb.ToString(), true));
            }
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }
                tokens.Add((text[start..i], false));
            }
            else
            {
                throw Bad(text, $"unexpected '{c}'");
            }
        }
        return tokens;
    }
}
