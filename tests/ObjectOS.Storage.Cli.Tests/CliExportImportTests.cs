using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>export and import: JSON Lines round trips with unicode, newlines, large values and TTLs, on real SQLite files.</summary>
public sealed class CliExportImportTests(ITestOutputHelper output) : CliTestBase(output)
{

    [Fact]
    public async Task Export_then_import_round_trips_unicode_newlines_large_values_and_ttls()
    {
        await TestData.SeedAsync((args, stdin) => RunAsync(args, stdin));
        var file = Path.Combine(WorkDir, "dump.jsonl");
        var summary = await RunJsonAsync(["export", "--output", file]);
        Assert.Equal(6, summary.GetProperty("exported").GetInt64());

        // One entry a line: every line parses on its own; stored pretty JSON was compacted onto its line.
        var lines = File.ReadAllLines(file, Encoding.UTF8);
        Assert.Equal(6, lines.Length);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("key").GetString()!);
        Assert.Equal("first line\nsecond line", entries["notes:multi\nline key ✓"].GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Null, entries["plain-root-key"].GetProperty("ttlMs").ValueKind);
        Assert.InRange(entries["@objectos/auth:session:1"].GetProperty("ttlMs").GetInt64(), 3_000_000, 3_600_000);
        Assert.True(entries["big:payload"].GetProperty("value").GetProperty("big").GetString()!.Length >= 950_000);

        // stdout gives the same lines.
        var stdout = await RunOkAsync(["export"]);
        Assert.Equal(lines.Select(Key).Order(StringComparer.Ordinal), stdout.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Key).Order(StringComparer.Ordinal));

        // Into a fresh store from a file, and into another from stdin: same keys, values and TTLs.
        var copyA = "sqlite:" + Path.Combine(WorkDir, "a.db");
        var copyB = "sqlite:" + Path.Combine(WorkDir, "b.db");
        var imported = await RunJsonAsync(["import", "--input", file], store: copyA);
        Assert.Equal(6, imported.GetProperty("imported").GetInt64());
        await RunOkAsync(["import"], stdin: File.ReadAllText(file, Encoding.UTF8), store: copyB);
        var original = await DumpAsync(Store);
        await AssertSameDataAsync(original, copyA);

        // Importing again is idempotent.
        await RunOkAsync(["import", file], store: copyB);
        await AssertSameDataAsync(original, copyB);
    }

    [Fact]
    public async Task Export_filters_by_plugin_and_pattern()
    {
        await TestData.SeedAsync((args, stdin) => RunAsync(args, stdin));
        var notes = (await RunOkAsync(["export", "--plugin", "notes"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Key).Order(StringComparer.Ordinal);
        Assert.Equal(["notes:emoji 🎉", "notes:multi\nline key ✓"], notes);

        var auth = (await RunOkAsync(["export", "--plugin", "@objectos/auth", "s*"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Key);
        Assert.Equal(["@objectos/auth:session:1"], auth);

        var root = (await RunOkAsync(["export", "plain-*"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Key);
        Assert.Equal(["plain-root-key"], root);
    }

    [Fact]
    public async Task Import_skips_entries_whose_ttl_has_elapsed_and_later_lines_win()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var lines = string.Join('\n',
            """{"key":"gone:by-expiresAt","value":1,"ttlMs":5000,"expiresAt":""" + (now - 60_000) + "}",
            """{"key":"gone:by-ttl","value":1,"ttlMs":0}""",
            """{"key":"live","value":{"a":"ü"},"ttlMs":600000}""",
            "",
            """{"key":"dup","value":"first","ttlMs":null}""",
            """{"key":"dup","value":"second"}""");
        var result = await RunJsonAsync(["import"], stdin: lines + "\n");
        Assert.Equal(3, result.GetProperty("imported").GetInt64());
        Assert.Equal(2, result.GetProperty("skippedExpired").GetInt64());

        var keys = await RunJsonAsync(["keys"]);
        Assert.Equal(["dup", "live"], keys.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("\"second\"", (await RunOkAsync(["get", "dup"])).Stdout.Trim());
        Assert.InRange((await RunJsonAsync(["ttl", "live"])).GetProperty("ttlMs").GetInt64(), 1, 600_000);
    }

    private static string Key(string line) => JsonDocument.Parse(line).RootElement.GetProperty("key").GetString()!;
}
