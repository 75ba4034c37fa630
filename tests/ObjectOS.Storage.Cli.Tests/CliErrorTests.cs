using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>Failures: exit codes, exactly one line on stderr, nothing on stdout, and never a password.</summary>
public sealed class CliErrorTests(ITestOutputHelper output) : CliTestBase(output)
{
    private const string Secret = "s3cr3t-P4ss";

    [Theory]
    [InlineData("bogus://host")]
    [InlineData("postgres://user:" + Secret + "@db:5432/x")]
    [InlineData("redis://user:" + Secret + "@host:99999/0")]
    [InlineData("redis://user:" + Secret + "@host:6379/notanumber")]
    [InlineData("redis://user:" + Secret + "@host:6379/0?nosuchparam=1")]
    [InlineData("redis://:" + Secret + "@host:6379/0?connectTimeout=fast")]
    [InlineData("redis:host")]
    [InlineData("sqlite:")]
    [InlineData("memory:?maxKeys=-1")]
    public async Task Bad_store_uri_exits_2_with_one_redacted_line(string uri)
    {
        var result = await RunRawAsync(["--store", uri, "get", "k"]);
        var line = AssertFails(result, 2);
        Assert.Contains("store URI", line);
        Assert.DoesNotContain(Secret, result.Stdout + result.Stderr);
    }

    [Theory]
    [InlineData("[abc")]
    [InlineData("trailing\\")]
    public async Task Malformed_pattern_exits_2(string pattern)
    {
        var line = AssertFails(await RunAsync(["keys", pattern]), 2);
        Assert.Contains("pattern", line, StringComparison.OrdinalIgnoreCase);
        AssertFails(await RunAsync(["export", pattern]), 2);
    }

    [Fact]
    public async Task Unreachable_redis_exits_4_quickly_without_the_password()
    {
        var port = ClosedPort();
        var uri = $"redis://admin:{Secret}@127.0.0.1:{port}/0?connectTimeout=300ms";
        foreach (var args in new[] { new[] { "get", "k" }, ["keys"], ["copy", "--from", Store, "--to", uri] })
        {
            var result = await RunRawAsync(args[0] == "copy" ? args : ["--store", uri, .. args]);
            var line = AssertFails(result, 4);
            Assert.Contains($"127.0.0.1:{port}", line);
            Assert.DoesNotContain(Secret, result.Stdout + result.Stderr);
        }
    }

    [Fact]
    public async Task Usage_errors_exit_2_with_one_line()
    {
        AssertFails(await RunAsync(["nosuchcommand"]), 2);
        AssertFails(await RunAsync(["get"]), 2);
        AssertFails(await RunAsync(["get", "k", "--nosuchoption"]), 2);
        Assert.Contains("Plugin id", AssertFails(await RunAsync(["get", "--plugin", "bad:id", "k"]), 2));
        Assert.Contains("Plugin id", AssertFails(await RunAsync(["keys", "--plugin", "a*"]), 2));
        AssertFails(await RunAsync(["import", "--input", Path.Combine(WorkDir, "missing.jsonl")]), 2);
        AssertFails(await RunAsync(["import"], stdin: "{\"key\":\"k\",\"value\":1}\nnot json\n"), 2);
    }

    [Fact]
    public async Task Not_found_exits_3()
    {
        Assert.Contains("'nope' not found", AssertFails(await RunAsync(["get", "nope"]), 3));
        Assert.Contains("plugin 'p'", AssertFails(await RunAsync(["get", "--plugin", "p", "nope"]), 3));
        AssertFails(await RunAsync(["del", "nope"]), 3);
        AssertFails(await RunAsync(["ttl", "nope"]), 3);
    }

    [Fact]
    public async Task Acting_as_a_plugin_outside_its_scope_is_access_denied_exit_5()
    {
        await RunOkAsync(["set", "--plugin", "billing", "invoice", "1"]);
        var other = AssertFails(await RunAsync(["get", "--as", "crm", "--plugin", "billing", "invoice"]), 5);
        Assert.Contains("may not access", other);
        AssertFails(await RunAsync(["keys", "--as", "crm"]), 5);
        AssertFails(await RunAsync(["clear", "--as", "crm", "--yes"]), 5);
        Assert.Equal("1", (await RunOkAsync(["get", "--as", "billing", "--plugin", "billing", "invoice"])).Stdout.Trim());
    }

    [Fact]
    public async Task Output_has_no_ansi_codes_when_redirected_even_with_a_colour_terminal()
    {
        await RunOkAsync(["set", "--plugin", "p", "k", "{\"a\":1}", "--ttl", "1h"]);
        foreach (var args in new[] { new[] { "keys" }, ["plugins"], ["ttl", "p:k"], ["get", "p:k"] })
        {
            AssertPlain(await RunOkAsync(args));
        }

        AssertPlain(await RunAsync(["get", "missing"]));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
