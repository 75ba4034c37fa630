using System.Text;
using System.Text.Json;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>The awkward data the transfer tests move around.</summary>
internal static class TestData
{
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A value of about 1 MB: a JSON object holding a long string with unicode and escaped newlines.</summary>
    internal static string LargeJson()
    {
        var text = new StringBuilder();
        while (text.Length < 950_000)
        {
            text.Append("line ").Append(text.Length).Append(" — ünïcödé ✓ 🚀\n\t\"quoted\" \\ ");
        }

        // Relaxed escaping keeps the non-ASCII text as UTF-8 (about 1 MB) instead of \uXXXX escapes.
        return JsonSerializer.Serialize(new { big = text.ToString() }, RelaxedJson);
    }

    /// <summary>
    /// Seeds a store with awkward keys and values through the CLI in two runs: an import of JSON Lines (unicode,
    /// a newline in a key and in a value, a 1 MB value, a TTL) and a set of pretty-printed JSON.
    /// </summary>
    internal static async Task SeedAsync(Func<string[], string?, Task<CliResult>> run)
    {
        var lines = new[]
        {
            """{"key":"notes:multi\nline key ✓","value":"first line\nsecond line","ttlMs":null}""",
            """{"key":"notes:emoji 🎉","value":{"name":"Zoë","tags":["ß","東京"],"nested":{"n":null}}}""",
            """{"key":"@objectos/auth:session:1","value":{"user":"john"},"ttlMs":3600000}""",
            """{"key":"plain-root-key","value":42,"ttlMs":null}""",
            """{"key":"big:payload","value":""" + LargeJson() + "}",
        };
        var import = await run(["import"], string.Join('\n', lines) + "\n");
        Assert.True(import.ExitCode == 0, import.ToString());
        var pretty = await run(["set", "--plugin", "@objectos/auth", "pretty", "{\n  \"a\": 1,\n  \"b\": [true, false]\n}"], null);
        Assert.True(pretty.ExitCode == 0, pretty.ToString());
    }
}
