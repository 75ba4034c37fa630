using System.Text.Json;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>A fresh temporary working directory per test, and helpers to run the CLI in it against a SQLite file there.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase(ITestOutputHelper output)
    {
        Output = output;
        WorkDir = Directory.CreateTempSubdirectory("objectos-cli-tests-").FullName;
        Store = "sqlite:" + Path.Combine(WorkDir, "store.db");
    }

    protected ITestOutputHelper Output { get; }

    /// <summary>The test's working directory; deleted afterwards.</summary>
    protected string WorkDir { get; }

    /// <summary>The SQLite store URI of this test (an absolute path in <see cref="WorkDir"/>).</summary>
    protected string Store { get; }

    /// <summary>Runs the CLI in <see cref="WorkDir"/> with the given arguments, as given (no --store added).</summary>
    protected async Task<CliResult> RunRawAsync(IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = await CliProcess.RunAsync(WorkDir, args, stdin, environment);
        Output.WriteLine($"$ objectos-storage {string.Join(' ', args.Select(a => a.Length > 200 ? a[..200] + "..." : a))}");
        Output.WriteLine(result.Stdout.Length > 4000 ? result.Stdout[..4000] + "..." : result.Stdout);
        if (result.Stderr.Length > 0)
        {
            Output.WriteLine("stderr: " + result.Stderr);
        }

        Output.WriteLine($"exit {result.ExitCode}");
        return result;
    }

    /// <summary>Runs the CLI against <paramref name="store"/> (default: this test's SQLite file).</summary>
    protected Task<CliResult> RunAsync(string[] args, string? stdin = null, string? store = null)
        => RunRawAsync(["--store", store ?? Store, .. args], stdin);

    /// <summary>Runs the CLI and asserts exit code 0 with nothing on stderr.</summary>
    protected async Task<CliResult> RunOkAsync(string[] args, string? stdin = null, string? store = null)
    {
        var result = await RunAsync(args, stdin, store);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stderr.Length == 0, result.ToString());
        return result;
    }

    /// <summary>Runs the CLI with <c>--json</c>, asserts success and parses stdout as one JSON document.</summary>
    protected async Task<JsonElement> RunJsonAsync(string[] args, string? stdin = null, string? store = null)
    {
        var result = await RunOkAsync([.. args, "--json"], stdin, store);
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts a failure: the exit code, nothing on stdout, and exactly one line on stderr that starts with the tool's name.</summary>
    protected static string AssertFails(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}\n{result}");
        Assert.True(result.Stdout.Length == 0, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr\n" + result);
        Assert.StartsWith("objectos-storage: ", lines[0]);
        return lines[0];
    }

    /// <summary>Asserts the output holds no ANSI escape sequence.</summary>
    protected static void AssertPlain(CliResult result) => Assert.DoesNotContain('\u001b', result.Stdout + result.Stderr);

    /// <summary>
    /// Asserts a store holds the same keys with equal JSON values (compared semantically) as an earlier dump, and the same
    /// TTLs: none where there was none, and where there was one, a remaining TTL within a minute of it.
    /// </summary>
    protected async Task AssertSameDataAsync(IReadOnlyDictionary<string, (JsonElement Value, long? TtlMs)> expected, string actualStore)
    {
        var actual = await DumpAsync(actualStore);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, (value, ttl)) in expected)
        {
            Assert.True(JsonElement.DeepEquals(value, actual[key].Value), $"value of '{key}' differs");
            if (ttl is null)
            {
                Assert.Null(actual[key].TtlMs);
            }
            else
            {
                Assert.NotNull(actual[key].TtlMs);
                Assert.InRange(actual[key].TtlMs!.Value, ttl.Value - 60_000, ttl.Value);
            }
        }
    }

    /// <summary>Every entry of a store, by physical key, read back with the CLI's own export.</summary>
    protected async Task<Dictionary<string, (JsonElement Value, long? TtlMs)>> DumpAsync(string store)
    {
        var result = await RunOkAsync(["export"], store: store);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(
                e => e.GetProperty("key").GetString()!,
                e => (e.GetProperty("value").Clone(), e.GetProperty("ttlMs").ValueKind == JsonValueKind.Null ? (long?)null : e.GetProperty("ttlMs").GetInt64()));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }

        GC.SuppressFinalize(this);
    }
}
