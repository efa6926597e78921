using System.Collections;
using System.Globalization;
using System.Text.Json;
using Eddy.Core.Firehose;
using Eddy.Core.Glue;
using Parquet.Schema;

namespace Eddy.Firehose.Delivery;

/// <summary>
/// A Hive column type of a Glue table (<c>StorageDescriptor.Columns[].Type</c>) as record format conversion reads it:
/// <c>string</c>, <c>char(n)</c>, <c>varchar(n)</c>, <c>int</c>, <c>bigint</c>, <c>smallint</c>, <c>tinyint</c>,
/// <c>double</c>, <c>float</c>, <c>boolean</c>, <c>timestamp</c>, <c>date</c>, <c>decimal(p,s)</c>,
/// <c>array&lt;T&gt;</c>, <c>map&lt;K,V&gt;</c>, <c>struct&lt;name:T,...&gt;</c>. Immutable.
/// </summary>
internal abstract record HiveType
{
    public sealed record Primitive(string Name) : HiveType;

    public sealed record Decimal(int Precision, int Scale) : HiveType;

    public sealed record ArrayOf(HiveType Element) : HiveType;

    public sealed record MapOf(HiveType Key, HiveType Value) : HiveType;

    public sealed record StructOf(IReadOnlyList<(string Name, HiveType Type)> Fields) : HiveType;

    private static readonly string[] s_primitives = ["string", "int", "integer", "bigint", "smallint", "tinyint", "double", "float", "boolean", "timestamp", "date", "binary"];

    /// <summary>Parses a Hive type; InvalidArgumentException naming the column for one Eddy cannot convert.</summary>
    public static HiveType Parse(string column, string type)
    {
        var at = 0;
        try
        {
            var parsed = ParseType(type.Trim().ToLowerInvariant(), ref at);
            if (at != type.Trim().Length)
            {
                throw new FormatException();
            }
            return parsed;
        }
        catch (FormatException)
        {
            throw FirehoseException.Invalid($"The type '{type}' of column '{column}' in the Glue table is not supported for record format conversion by Eddy.");
        }
    }

    private static HiveType ParseType(string s, ref int at)
    {
        var word = Word(s, ref at);
        switch (word)
        {
            case "array":
                {
                    Expect(s, ref at, '<');
                    var element = ParseType(s, ref at);
                    Expect(s, ref at, '>');
                    return new ArrayOf(element);
                }
            case "map":
                {
                    Expect(s, ref at, '<');
                    var key = ParseType(s, ref at);
                    Expect(s, ref at, ',');
                    var value = ParseType(s, ref at);
                    Expect(s, ref at, '>');
                    return key is Primitive ? new MapOf(key, value) : throw new FormatException();
                }
            case "struct":
                {
                    Expect(s, ref at, '<');
                    var fields = new List<(string, HiveType)>();
                    do
                    {
                        var name = Word(s, ref at);
                        Expect(s, ref at, ':');
                        fields.Add((name, ParseType(s, ref at)));
                    }
                    while (TryExpect(s, ref at, ','));
                    Expect(s, ref at, '>');
                    return new StructOf(fields);
                }
            case "decimal":
                {
                    if (!TryExpect(s, ref at, '('))
                    {
                        return new Decimal(10, 0); // Hive's default
                    }
                    var precision = Number(s, ref at);
                    var scale = TryExpect(s, ref at, ',') ? Number(s, ref at) : 0;
                    Expect(s, ref at, ')');
                    return precision is >= 1 and <= 38 && scale <= precision ? new Decimal(precision, scale) : throw new FormatException();
                }
            case "char" or "varchar":
                Expect(s, ref at, '(');
                Number(s, ref at);
                Expect(s, ref at, ')');
                return new Primitive("string");
            default:
                return s_primitives.Contains(word) ? new Primitive(word == "integer" ? "int" : word) : throw new FormatException();
        }
    }

    private static string Word(string s, ref int at)
    {
        SkipSpace(s, ref at);
        var start = at;
        while (at < s.Length && (char.IsLetterOrDigit(s[at]) || s[at] == '_'))
        {
            at++;
        }
        return at > start ? s[start..at] : throw new FormatException();
    }

    private static int Number(string s, ref int at) => int.Parse(Word(s, ref at), NumberStyles.None, CultureInfo.InvariantCulture);

    private static void Expect(string s, ref int at, char c)
    {
        if (!TryExpect(s, ref at, c))
        {
            throw new FormatException();
        }
    }

    private static bool TryExpect(string s, ref int at, char c)
    {
        SkipSpace(s, ref at);
        if (at < s.Length && s[at] == c)
        {
            at++;
            SkipSpace(s, ref at);
            return true;
        }
        return false;
    }

    private static void SkipSpace(string s, ref int at)
    {
        while (at < s.Length && s[at] == ' ')
        {
            at++;
        }
    }
}

/// <summary>
/// A Glue table's columns as a Parquet schema, and one JSON record as a Parquet row of it (the deserializer's rules:
/// key matching, type coercion, timestamps). Built once per flush from the table version; immutable, thread-safe.
/// </summary>
internal sealed class ParquetTable
{
    private readonly IReadOnlyList<(string Name, HiveType Type, Field Field)> _columns;
    private readonly JsonKeys _keys;
    private readonly TimestampParser _timestamps;

    private ParquetTable(IReadOnlyList<(string, HiveType, Field)> columns, JsonKeys keys, TimestampParser timestamps)
    {
        _columns = columns;
        _keys = keys;
        _timestamps = timestamps;
        Schema = new ParquetSchema([.. columns.Select(c => c.Item3)]);
    }

    public ParquetSchema Schema { get; }

    /// <summary>The table's columns with the deserializer's settings; InvalidArgumentException for a type Eddy cannot convert.</summary>
    public static ParquetTable Of(GlueTableSchema table, JsonKeys keys, TimestampParser timestamps)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Columns.Count == 0)
        {
            throw FirehoseException.Invalid($"The Glue table {table.DatabaseName}.{table.TableName} has no columns (StorageDescriptor.Columns).");
        }
        return new ParquetTable([.. table.Columns.Select(c =>
        {
            var type = HiveType.Parse(c.Name, c.Type);
            return (c.Name, type, FieldOf(c.Name, type, nullable: true));
        })], keys, timestamps);
    }

    /// <summary>One record (a JSON object) as a row; <see cref="FormatException"/> with the reason when it does not convert.</summary>
    public Dictionary<string, object?> Row(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"The record is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"The record is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object.");
            }
            var members = _keys.Index(document.RootElement);
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, type, field) in _columns)
            {
                row[field.Name] = members.TryGetValue(_keys.KeyOf(name), out var value) ? Value(value, type, field, name) : null;
            }
            return row;
        }
    }

    private static Field FieldOf(string name, HiveType type, bool nullable) => type switch
    {
        HiveType.Decimal d => new DecimalDataField(name, d.Precision, d.Scale, false, nullable),
        HiveType.ArrayOf a => new ListField(name, FieldOf("element", a.Element, nullable: true)),
        HiveType.MapOf m => new MapField(name, FieldOf("key", m.Key, nullable: false), FieldOf("value", m.Value, nullable: true)),
        HiveType.StructOf s => new StructField(name, [.. s.Fields.Select(f => FieldOf(f.Name, f.Type, nullable: true))]),
        HiveType.Primitive { Name: "timestamp" } => new DateTimeDataField(name, DateTimeFormat.DateAndTime, isNullable: nullable),
        HiveType.Primitive p => new DataField(name, ClrOf(p.Name), nullable),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Type ClrOf(string primitive) => primitive switch
    {
        "string" => typeof(string),
        "int" => typeof(int),
        "bigint" => typeof(long),
        "smallint" => typeof(short),
        "tinyint" => typeof(sbyte),
        "double" => typeof(double),
        "float" => typeof(float),
        "boolean" => typeof(bool),
        "date" => typeof(DateOnly),
        "binary" => typeof(byte[]),
        _ => throw new ArgumentOutOfRangeException(nameof(primitive)),
    };

    /// <summary>The CLR type Parquet.Net's untyped serializer expects for values of <paramref name="field"/> inside a
    /// collection (strings as <c>ReadOnlyMemory&lt;char&gt;</c>, structs as dictionaries, lists as typed lists).</summary>
    private static Type ElementTypeOf(Field field) => field switch
    {
        StructField => typeof(IDictionary<string, object?>),
        ListField l => typeof(List<>).MakeGenericType(ElementTypeOf(l.Item)),
        MapField m => typeof(Dictionary<,>).MakeGenericType(ElementTypeOf(m.Key), ElementTypeOf(m.Value)),
        DataField d => d.ClrNullableIfHasNullsType,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    private object? Value(JsonElement e, HiveType type, Field field, string column)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        switch (type)
        {
            case HiveType.ArrayOf a:
                {
                    if (e.ValueKind != JsonValueKind.Array)
                    {
                        throw Mismatch(column, "array", e);
                    }
                    var item = ((ListField)field).Item;
                    var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(ElementTypeOf(item)))!;
                    foreach (var x in e.EnumerateArray())
                    {
                        list.Add(Adapt(Value(x, a.Element, item, column), item));
                    }
                    return list;
                }
            case HiveType.MapOf m:
                {
                    if (e.ValueKind != JsonValueKind.Object)
                    {
                        throw Mismatch(column, "map", e);
                    }
                    var map = (MapField)field;
                    var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(ElementTypeOf(map.Key), ElementTypeOf(map.Value)))!;
                    foreach (var p in e.EnumerateObject())
                    {
                        using var keyDocument = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(p.Name));
                        var key = Value(keyDocument.RootElement, m.Key, map.Key, column) ?? throw Mismatch(column, "map key", keyDocument.RootElement);
                        dictionary[Adapt(key, map.Key)!] = Adapt(Value(p.Value, m.Value, map.Value, column), map.Value);
                    }
                    return dictionary;
                }
            case HiveType.StructOf s:
                {
                    if (e.ValueKind != JsonValueKind.Object)
                    {
                        throw Mismatch(column, "struct", e);
                    }
                    var members = _keys.Index(e);
                    var fields = ((StructField)field).Fields;
                    var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                    for (var i = 0; i < s.Fields.Count; i++)
                    {
                        var (name, fieldType) = s.Fields[i];
                        row[name] = members.TryGetValue(_keys.KeyOf(name), out var value) ? Value(value, fieldType, fields[i], column + "." + name) : null;
                    }
                    return row;
                }
            case HiveType.Decimal d:
                {
                    var value = Number(e, column, "decimal", (string s, out decimal v) => decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v));
                    return Math.Round(value, d.Scale, MidpointRounding.AwayFromZero);
                }
            case HiveType.Primitive p:
                return p.Name switch
                {
                    "string" => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText(),
                    "int" => Number(e, column, "int", (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)),
                    "bigint" => Number(e, column, "bigint", (string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)),
                    "smallint" => Number(e, column, "smallint", (string s, out short v) => short.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)),
                    "tinyint" => Number(e, column, "tinyint", (string s, out sbyte v) => sbyte.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)),
                    "double" => Number(e, column, "double", (string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v)),
                    "float" => Number(e, column, "float", (string s, out float v) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v)),
                    "boolean" => e.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        JsonValueKind.String when bool.TryParse(e.GetString(), out var b) => b,
                        _ => throw Mismatch(column, "boolean", e),
                    },
                    "timestamp" => _timestamps.Parse(e) ?? throw Mismatch(column, "timestamp", e),
                    "date" => e.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(e.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                        ? date
                        : e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var days) ? DateOnly.FromDayNumber(new DateOnly(1970, 1, 1).DayNumber + days) : throw Mismatch(column, "date", e),
                    "binary" => e.ValueKind == JsonValueKind.String ? System.Text.Encoding.UTF8.GetBytes(e.GetString()!) : throw Mismatch(column, "binary", e),
                    _ => throw new ArgumentOutOfRangeException(nameof(type)),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>A number from a JSON number or a string holding one (the SerDes' leniency).</summary>
    private static T Number<T>(JsonElement e, string column, string hiveType, TryParse<T> parse)
    {
        var text = e.ValueKind switch
        {
            JsonValueKind.Number => e.GetRawText(),
            JsonValueKind.String => e.GetString()!.Trim(),
            _ => null,
        };
        return text is not null && parse(text, out var value) ? value : throw Mismatch(column, hiveType, e);
    }

    /// <summary>A value converted for a collection of <paramref name="field"/> (strings as <c>ReadOnlyMemory&lt;char&gt;</c>).</summary>
    private static object? Adapt(object? value, Field field) =>
        value is string s && field is DataField d && (d.ClrNullableIfHasNullsType == typeof(ReadOnlyMemory<char>?) || d.ClrNullableIfHasNullsType == typeof(ReadOnlyMemory<char>))
            ? s.AsMemory()
            : value;

    private static FormatException Mismatch(string column, string hiveType, JsonElement e)
    {
        var text = e.GetRawText();
        return new FormatException($"Cannot convert the value {(text.Length > 64 ? text[..64] + "..." : text)} of column '{column}' to {hiveType}.");
    }
}

/// <summary>
/// How JSON keys meet column names: OpenX's <c>CaseInsensitive</c> (default true), <c>ConvertDotsInJsonKeysToUnderscores</c>
/// and <c>ColumnToJsonKeyMappings</c>; the Hive JSON SerDe matches case-insensitively.
/// </summary>
internal sealed record JsonKeys(bool CaseInsensitive, bool DotsToUnderscores, IReadOnlyDictionary<string, string> ColumnToKey)
{
    public static JsonKeys Hive { get; } = new(true, false, new Dictionary<string, string>());

    /// <summary>The normalized JSON key a column reads.</summary>
    public string KeyOf(string column) => Normalize(ColumnToKey.TryGetValue(column, out var key) ? key : column);

    /// <summary>An object's members by normalized key (the first of duplicates wins).</summary>
    public Dictionary<string, JsonElement> Index(JsonElement obj)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            members.TryAdd(Normalize(DotsToUnderscores ? p.Name.Replace('.', '_') : p.Name), p.Value);
        }
        return members;
    }

    private string Normalize(string key) => CaseInsensitive ? key.ToLowerInvariant() : key;
}

/// <summary>
/// Timestamps as the deserializer reads them: OpenX takes ISO-8601 / <c>yyyy-MM-dd HH:mm:ss[.f]</c> strings, integers as
/// epoch milliseconds and fractional numbers as epoch seconds; the Hive SerDe takes its <c>TimestampFormats</c> (Joda
/// patterns, or <c>millis</c>), else <c>java.sql.Timestamp.valueOf</c>'s <c>yyyy-[M]M-[d]d HH:mm:ss[.f]</c>. UTC.
/// </summary>
internal sealed class TimestampParser(IReadOnlyList<string>? formats)
{
    private static readonly string[] s_default = ["yyyy-M-d H:mm:ss", "yyyy-M-d H:mm:ss.FFFFFFF"];

    private readonly string[]? _patterns = formats?.Where(f => f != "millis").Select(Joda).ToArray();
    private readonly bool _millis = formats?.Contains("millis") == true;

    public DateTime? Parse(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            if ((formats is null || _millis) && e.TryGetInt64(out var ms))
            {
                return DateTime.UnixEpoch.AddMilliseconds(ms);
            }
            return formats is null && e.TryGetDouble(out var seconds) ? DateTime.UnixEpoch.AddSeconds(seconds) : null;
        }
        if (e.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var text = e.GetString()!.Trim();
        const DateTimeStyles utc = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        if (_patterns is { Length: > 0 })
        {
            return DateTime.TryParseExact(text, _patterns, CultureInfo.InvariantCulture, utc, out var t) ? t : null;
        }
        if (_millis && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis))
        {
            return DateTime.UnixEpoch.AddMilliseconds(millis);
        }
        if (DateTime.TryParseExact(text, s_default, CultureInfo.InvariantCulture, utc, out var plain))
        {
            return plain;
        }
        return formats is null && DateTime.TryParse(text, CultureInfo.InvariantCulture, utc, out var iso) ? iso : null;
    }

    /// <summary>A Joda pattern as a .NET one (letters with the same meaning kept; <c>S</c> fraction, <c>Z</c> offset).</summary>
    private static string Joda(string pattern) => pattern.Replace('S', 'f').Replace("ZZ", "zzz", StringComparison.Ordinal).Replace("Z", "zzz", StringComparison.Ordinal)
        .Replace("zzzzzz", "zzz", StringComparison.Ordinal);
}
