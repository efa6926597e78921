using System.Text;
using System.Text.RegularExpressions;

namespace Eddy.Protocol.Model;

/// <summary>
/// Turns a Java regular expression from a service model into an equivalent .NET <see cref="Regex"/>
/// that matches the whole input, like Java's <c>String.matches</c>.
/// </summary>
internal static class JavaPattern
{
    // Java's \s is [ \t\n\x0B\f\r]; its "." excludes these line terminators.
    private const string JavaSpace = @" \t\n\x0B\f\r";
    private const string JavaDot = @"[^\n\r\u0085\u2028\u2029]";

    public static Regex Compile(string javaPattern)
    {
        var pattern = @"\A(?:" + Translate(javaPattern) + @")\z";
        try
        {
            // Linear-time matching: model patterns such as "arn:aws.*:kinesis:.*:..." would
            // backtrack badly on long hostile inputs.
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Translates the Java-specific parts of the syntax (ASCII \d \s \w, "." and \Q..\E).</summary>
    internal static string Translate(string p)
    {
        // Java matches code points: "\uD800\uDC00-\uDBFF\uDFFF" in a class is U+10000..U+10FFFF (Glue's name patterns).
        // .NET matches UTF-16 units, and the body's strings are well-formed text (JsonStrings), so both surrogate ranges
        // stand for it.
        p = p.Replace(@"\uD800\uDC00-\uDBFF\uDFFF", @"\uD800-\uDFFF", StringComparison.Ordinal);
        var sb = new StringBuilder(p.Length + 16);
        var inClass = false;
        for (var i = 0; i < p.Length; i++)
        {
            var c = p[i];
            if (c == '\\' && i + 1 < p.Length)
            {
                var n = p[++i];
                switch (n)
                {
                    case 'd':
                        sb.Append(inClass ? "0-9" : "[0-9]");
                        break;
                    case 'D':
                        sb.Append(inClass ? @"\D" : "[^0-9]");
                        break;
                    case 'w':
                        sb.Append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]");
                        break;
                    case 'W':
                        sb.Append(inClass ? @"\W" : "[^a-zA-Z0-9_]");
                        break;
                    case 's':
                        sb.Append(inClass ? JavaSpace : "[" + JavaSpace + "]");
                        break;
                    case 'S':
                        sb.Append(inClass ? @"\S" : "[^" + JavaSpace + "]");
                        break;
                    case 'Q':
                        {
                            var end = p.IndexOf(@"\E", i + 1, StringComparison.Ordinal);
                            var literal = end < 0 ? p[(i + 1)..] : p[(i + 1)..end];
                            sb.Append(Regex.Escape(literal));
                            i = end < 0 ? p.Length : end + 1;
                            break;
                        }

                    case '_':
                        // Java escapes any non-letter literally; .NET refuses "\_" (a word character)
                        sb.Append('_');
                        break;

                    default:
                        sb.Append('\\').Append(n);
                        break;
                }

                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);
                    if (i + 1 < p.Length && p[i + 1] == '^')
                    {
                        sb.Append('^');
                        i++;
                    }

                    // A ']' right after the opening bracket is a literal in Java.
                    if (i + 1 < p.Length && p[i + 1] == ']')
                    {
                        sb.Append(@"\]");
                        i++;
                    }

                    break;
                case '.':
                    sb.Append(JavaDot);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }
}
