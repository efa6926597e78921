using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Eddy.Load;

/// <summary>One reported figure: a JSON key, a human label, a value and its unit.</summary>
public sealed record Metric(string Key, string Label, object Value, string Unit = "")
{
    public string Format() => Value switch
    {
        double d when double.IsNaN(d) => "n/a",
        double d when Unit == "ms" => d.ToString(d < 10 ? "0.000" : "0.00", CultureInfo.InvariantCulture),
        double d => d.ToString(d < 100 ? "#,0.00" : "#,0", CultureInfo.InvariantCulture),
        long l => l.ToString("#,0", CultureInfo.InvariantCulture),
        int i => i.ToString("#,0", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        _ => Value.ToString() ?? "",
    };
}

/// <summary>The result of one phase (put, readback, ...): its metrics and how many problems it found.</summary>
public sealed class PhaseResult(string key, string title)
{
    public string Key { get; } = key;

    public string Title { get; } = title;

    public List<Metric> Metrics { get; } = [];

    /// <summary>Problems that make the run fail (exit code 1).</summary>
    public long Problems { get; set; }

    /// <summary>Up to a few distinct error messages seen, with counts.</summary>
    public Dictionary<string, long> ErrorSamples { get; } = [];

    public PhaseResult Add(string key, string label, object value, string unit = "")
    {
        Metrics.Add(new Metric(key, label, value, unit));
        return this;
    }

    public void AddErrorSample(string message)
    {
        lock (ErrorSamples)
        {
            if (ErrorSamples.TryGetValue(message, out long n))
            {
                ErrorSamples[message] = n + 1;
            }
            else if (ErrorSamples.Count < 10)
            {
                ErrorSamples[message] = 1;
            }
        }
    }
}

/// <summary>Prints phase results as an aligned table or as JSON.</summary>
public static class Report
{
    public static string Table(string header, IReadOnlyList<PhaseResult> phases)
    {
        var sb = new StringBuilder();
        sb.AppendLine(header);
        int labelWidth = Math.Max(28, phases.SelectMany(p => p.Metrics).Select(m => m.Label.Length).DefaultIfEmpty(0).Max() + 2);
        int phaseWidth = Math.Max(18, phases.Select(p => p.Title.Length).DefaultIfEmpty(0).Max() + 2);
        string line = new('-', phaseWidth + labelWidth + 18);
        sb.AppendLine(line);
        sb.Append("phase".PadRight(phaseWidth)).Append("metric".PadRight(labelWidth)).AppendLine("value");
        sb.AppendLine(line);
        foreach (PhaseResult p in phases)
        {
            bool first = true;
            foreach (Metric m in p.Metrics)
            {
                sb.Append((first ? p.Title : "").PadRight(phaseWidth))
                    .Append(m.Label.PadRight(labelWidth))
                    .Append(m.Format().PadLeft(14));
                if (m.Unit.Length > 0)
                {
                    sb.Append(' ').Append(m.Unit);
                }

                sb.AppendLine();
                first = false;
            }

            foreach ((string message, long count) in p.ErrorSamples)
            {
                sb.Append("".PadRight(phaseWidth)).Append("! ").Append(count.ToString(CultureInfo.InvariantCulture)).Append("× ").AppendLine(message);
            }

            sb.AppendLine(line);
        }

        long problems = phases.Sum(p => p.Problems);
        sb.AppendLine(problems == 0 ? "result: OK" : $"result: FAILED ({problems.ToString(CultureInfo.InvariantCulture)} problem(s))");
        return sb.ToString();
    }

    public static string Json(IReadOnlyDictionary<string, string> context, IReadOnlyList<PhaseResult> phases)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach ((string k, string v) in context)
            {
                w.WriteString(k, v);
            }

            foreach (PhaseResult p in phases)
            {
                w.WriteStartObject(p.Key);
                foreach (Metric m in p.Metrics)
                {
                    switch (m.Value)
                    {
                        case double d when double.IsNaN(d) || double.IsInfinity(d): w.WriteNull(m.Key); break;
                        case double d: w.WriteNumber(m.Key, Math.Round(d, 4)); break;
                        case long l: w.WriteNumber(m.Key, l); break;
                        case int i: w.WriteNumber(m.Key, i); break;
                        case bool b: w.WriteBoolean(m.Key, b); break;
                        default: w.WriteString(m.Key, m.Value.ToString()); break;
                    }
                }

                w.WriteNumber("problems", p.Problems);
                w.WriteStartObject("errors");
                foreach ((string message, long count) in p.ErrorSamples)
                {
                    w.WriteNumber(message, count);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteBoolean("ok", phases.Sum(p => p.Problems) == 0);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
