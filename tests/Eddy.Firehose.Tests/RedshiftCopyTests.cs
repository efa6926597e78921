using System.Text;
using Eddy.Core.Firehose;
using Eddy.Firehose.Delivery;

namespace Eddy.Firehose.Tests;

/// <summary>The CopyOptions translation and the row readers of the Redshift destination, without a database.</summary>
public sealed class RedshiftCopyTests
{
    private static readonly RedshiftColumn[] s_text = [new("a", true), new("b", true), new("c", true), new("d", true)];

    private static string Rows(string data, string options, IReadOnlyList<RedshiftColumn>? columns = null)
    {
        var copy = CopyOptions.Parse(options);
        var cols = columns ?? s_text;
        return string.Join("\n", RedshiftRows.Read(Encoding.UTF8.GetBytes(data), copy, cols)
            .Select(r => string.Join(", ", r.Select((v, i) => RedshiftRows.Apply(v, i < cols.Count ? cols[i] : null, copy) is { } s ? $"'{s}'" : "NULL"))));
    }

    [Fact]
    public void Options_parse_in_any_case_with_optional_AS_and_ignored_credentials()
    {
        var o = CopyOptions.Parse("csv quote as '%' delimiter as ';' ignoreheader 2 null as 'NA' emptyasnull blanksasnull trimblanks gzip " +
            "timeformat 'auto' dateformat as 'auto' region 'us-west-2' credentials 'aws_iam_role=arn' iam_role default compupdate off statupdate manifest;");
        Assert.Equal((CopyFormat.Csv, '%', ';', 2, "NA", true, true, true, true), (o.Format, o.Quote, o.Delimiter, o.IgnoreHeader, o.NullAs, o.EmptyAsNull, o.BlanksAsNull, o.TrimBlanks, o.Gzip));
        Assert.Equal((CopyFormat.Text, '|', "\\N"), (CopyOptions.Parse("").Format, CopyOptions.Parse("").Delimiter, CopyOptions.Parse("").NullAs));
        Assert.Equal('\t', CopyOptions.Parse("delimiter '\\t'").Delimiter);
        Assert.True(CopyOptions.Parse("FORMAT AS JSON 'auto ignorecase'").IgnoreCase);
        Assert.Equal(CopyFormat.Json, CopyOptions.Parse("json 'auto'").Format);
    }

    [Theory]
    [InlineData("FIXEDWIDTH 'a:1'")]
    [InlineData("MAXERROR 5")]
    [InlineData("JSON 's3://b/jsonpaths.json'")]
    [InlineData("JSON 'auto' DELIMITER ','")]
    [InlineData("TIMEFORMAT 'epochsecs'")]
    [InlineData("DELIMITER")]
    [InlineData("NULL AS 'unterminated")]
    [InlineData("BZIP2")]
    [InlineData("QUOTE '%'")]
    public void Options_Eddy_cannot_run_are_InvalidArgumentException(string options)
    {
        var e = Assert.Throws<FirehoseException>(() => CopyOptions.Parse(options));
        Assert.Equal(FirehoseException.InvalidArgument, e.ErrorType);
        Assert.Contains("CopyOptions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_rows_keep_delimiters_newlines_and_quotes_inside_quotes()
    {
        Assert.Equal("'1', 'semi;colon', NULL, '5'\n'2', NULL, 'multi\nline %quoted%', NULL\n'3', NULL, 'x', NULL",
            Rows("h;h;h;h\n1;%semi;colon%;NA;5\n2;;%multi\nline %%quoted%%%;\n3;%%;x;\n", "CSV QUOTE AS '%' DELIMITER ';' IGNOREHEADER 1 NULL AS 'NA' EMPTYASNULL"));
        Assert.Equal("'a', 'b,c', ''", Rows("a,\"b,c\",\"\"\r\n", "CSV"));
    }

    [Fact]
    public void Text_rows_split_at_the_delimiter_with_escape_and_removequotes()
    {
        Assert.Equal("'x', 'a | b', NULL\n'\"q', 'r\"', '', 'z'", Rows("x|a \\| b|\\N\n\"q|r\"||z\n", "ESCAPE"));
        Assert.Equal("'q|r', NULL", Rows("\"q|r\"|  \n", "REMOVEQUOTES BLANKSASNULL"));
    }

    [Fact]
    public void Json_auto_matches_lowercase_keys_and_ignorecase_any_case()
    {
        RedshiftColumn[] columns = [new("id", false), new("name", true), new("tags", true)];
        const string data = """{"id":1,"Name":"a","tags":[1, 2]} {"id":"","name":"b"}""" + "\n";
        Assert.Equal("'1', NULL, '[1, 2]'\nNULL, 'b', NULL", Rows(data, "JSON 'auto'", columns));
        Assert.Equal("'1', 'a', '[1, 2]'\nNULL, 'b', NULL", Rows(data, "JSON 'auto ignorecase'", columns));
        var e = Assert.Throws<RedshiftLoadException>(() => Rows("[1]", "JSON 'auto'", columns));
        Assert.Equal(RedshiftLoadException.DataLoadFailed, e.ErrorCode);
        Assert.Equal(RedshiftLoadException.DataLoadFailed, Assert.Throws<RedshiftLoadException>(() => Rows("{\"id\":", "JSON 'auto'", columns)).ErrorCode);
    }
}
