using System.Text.Json;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>demo on the default SQLite store with no server, and bench on SQLite and memory.</summary>
public sealed class CliDemoAndBenchTests(ITestOutputHelper output) : CliTestBase(output)
{
    [Fact]
    public async Task Demo_runs_on_the_default_sqlite_store_creating_data_directory()
    {
        // No --store, no OBJECTOS_STORAGE: ./data/storage.db in the working directory, created as needed.
        var result = await RunRawAsync(["demo"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Stderr);
        AssertPlain(result);
        Assert.True(File.Exists(Path.Combine(WorkDir, "data", "storage.db")));
        Assert.Contains("demo-notes:note:1", result.Stdout);         // the physical layout
        Assert.Contains("denied", result.Stdout);                    // isolation
        Assert.Contains("null (expired)", result.Stdout);            // TTL

        // The demo's data stays for inspection; running it again is fine.
        var keys = await RunRawAsync(["keys", "--plugin", "demo-notes", "--json"]);
        Assert.Equal(["note:1", "note:2", "owner"], JsonDocument.Parse(keys.Stdout).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var again = await RunRawAsync(["demo", "--json", "--ttl", "300ms"]);
        Assert.Equal(0, again.ExitCode);
        var steps = JsonDocument.Parse(again.Stdout).RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString());
        Assert.Equal(["kernel", "scoped", "layout", "isolation", "ttl"], steps);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory:")]
    public async Task Bench_reports_throughput_and_percentiles_and_cleans_up(string kind)
    {
        var store = kind == "sqlite" ? Store : kind;
        await RunOkAsync(["set", "keep", "1"], store: store);
        var json = await RunJsonAsync(["bench", "--ops", "200", "--concurrency", "4"], store: store);
        var results = json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["set", "get", "keys"], results.Select(r => r.GetProperty("op").GetString()));
        foreach (var r in results)
        {
            Assert.True(r.GetProperty("opsPerSecond").GetDouble() > 0);
            Assert.True(r.GetProperty("p50Ms").GetDouble() <= r.GetProperty("p95Ms").GetDouble());
            Assert.True(r.GetProperty("p95Ms").GetDouble() <= r.GetProperty("p99Ms").GetDouble());
        }

        var table = await RunOkAsync(["bench", "--ops", "50"], store: store);
        AssertPlain(table);
        Assert.Contains("p99", table.Stdout);
        if (kind == "sqlite")
        {
            Assert.Equal(["keep"], (await RunJsonAsync(["keys"], store: store)).GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        }
    }
}
