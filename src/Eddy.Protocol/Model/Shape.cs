using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Eddy.Protocol.Model;

/// <summary>The botocore shape types this model understands.</summary>
public enum ShapeType
{
    Structure,
    String,
    Integer,
    Long,
    Boolean,
    Blob,
    Timestamp,
    List,
    Map,
    Double,
    Float,
}

/// <summary>
/// One shape of a service model, with its constraints precomputed. Instances are created by
/// <see cref="ServiceModel.Load(Stream)"/> and are immutable once loading finished.
/// </summary>
public sealed class Shape
{
    internal Shape(string name, ShapeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public ShapeType Type { get; }

    /// <summary>Structure members in model order (empty for other types).</summary>
    public ImmutableArray<Member> Members { get; private set; } = [];

    /// <summary>Structure members by wire name (case-sensitive).</summary>
    public FrozenDictionary<string, Member> MembersByName { get; private set; } = FrozenDictionary<string, Member>.Empty;

    /// <summary>Item shape of a list.</summary>
    public Shape? ListMember { get; private set; }

    /// <summary>Key shape of a map.</summary>
    public Shape? MapKey { get; private set; }

    /// <summary>Value shape of a map.</summary>
    public Shape? MapValue { get; private set; }

    /// <summary>Minimum: length for string/blob (decoded bytes)/list/map, value for numbers.</summary>
    public long? Min { get; private set; }

    /// <summary>Maximum: length for string/blob (decoded bytes)/list/map, value for numbers.</summary>
    public long? Max { get; private set; }

    /// <summary>The pattern exactly as written in the model (Java syntax).</summary>
    public string? Pattern { get; private set; }

    /// <summary>The pattern compiled once, anchored as a whole-string match (Java <c>String.matches</c>).</summary>
    public Regex? PatternRegex { get; private set; }

    /// <summary>Enum values in model order (empty when the shape is not an enum); messages list them in <see cref="AwsEnumOrder"/>.</summary>
    public ImmutableArray<string> EnumValues { get; private set; } = [];

    public bool IsEnum => !EnumValues.IsEmpty;

    /// <summary>True for structure, list and map.</summary>
    public bool IsAggregate => Type is ShapeType.Structure or ShapeType.List or ShapeType.Map;

    // ---- precomputed validation data (internal) ----

    internal FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> EnumLookup;
    internal bool HasConstraints;
    internal string? MinRule;
    internal string? MaxRule;
    internal string? PatternRule;
    internal string? EnumRule;

    /// <summary>"[rule, rule]" listing every constraint of this (scalar) shape, AWS order: max, min, pattern, enum.</summary>
    internal string? RulesSummary;

    /// <summary>Java class name used when AWS prints a structure value, e.g. com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry.</summary>
    internal string JavaTypeName = "";

    internal void SetStructure(ImmutableArray<Member> members)
    {
        Members = members;
        var byName = new Dictionary<string, Member>(members.Length, StringComparer.Ordinal);
        foreach (var m in members)
        {
            byName[m.Name] = m;
        }

        MembersByName = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    internal void SetList(Shape member) => ListMember = member;

    internal void SetMap(Shape key, Shape value)
    {
        MapKey = key;
        MapValue = value;
    }

    internal void SetConstraints(long? min, long? max, string? pattern, Regex? regex, ImmutableArray<string> enumValues, string javaPackage)
    {
        Min = min;
        Max = max;
        Pattern = pattern;
        PatternRegex = regex;
        EnumValues = enumValues;
        JavaTypeName = javaPackage + "." + Name;

        var isNumber = Type is ShapeType.Integer or ShapeType.Long or ShapeType.Double or ShapeType.Float;
        var what = isNumber ? "value" : "length";
        if (min is { } lo)
        {
            MinRule = $"Member must have {what} greater than or equal to {lo}";
        }

        if (max is { } hi)
        {
            MaxRule = $"Member must have {what} less than or equal to {hi}";
        }

        if (pattern is not null)
        {
            PatternRule = "Member must satisfy regular expression pattern: " + pattern;
        }

        if (!enumValues.IsEmpty)
        {
            EnumRule = "Member must satisfy enum value set: [" + string.Join(", ", AwsEnumOrder.Of(enumValues)) + "]";
            EnumLookup = enumValues.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }

        HasConstraints = MinRule is not null || MaxRule is not null || PatternRule is not null || EnumRule is not null;

        var rules = new List<string>(4);
        if (MaxRule is not null)
        {
            rules.Add(MaxRule);
        }

        if (MinRule is not null)
        {
            rules.Add(MinRule);
        }

        if (PatternRule is not null)
        {
            rules.Add(PatternRule);
        }

        if (EnumRule is not null)
        {
            rules.Add(EnumRule);
        }

        RulesSummary = "[" + string.Join(", ", rules) + "]";
    }

    public override string ToString() => $"{Name} ({Type})";
}

/// <summary>A member of a structure shape.</summary>
public sealed class Member
{
    internal Member(string name, Shape shape, bool isRequired)
    {
        Name = name;
        Shape = shape;
        IsRequired = isRequired;
        PathName = name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
        Utf8Name = System.Text.Encoding.UTF8.GetBytes(name);
    }

    /// <summary>Wire name, e.g. <c>StreamName</c>.</summary>
    public string Name { get; }

    /// <summary>Name as AWS prints it in validation paths: first letter lower-cased, e.g. <c>streamName</c>.</summary>
    public string PathName { get; }

    public Shape Shape { get; }

    public bool IsRequired { get; }

    internal byte[] Utf8Name { get; }

    public override string ToString() => $"{Name}: {Shape.Name}";
}

/// <summary>An operation of a service model.</summary>
public sealed class Operation
{
    internal Operation(string name, Shape? input, Shape? output)
    {
        Name = name;
        Input = input;
        Output = output;
    }

    public string Name { get; }

    /// <summary>Input structure shape; null when the operation takes no input.</summary>
    public Shape? Input { get; }

    public Shape? Output { get; }

    public override string ToString() => Name;
}
