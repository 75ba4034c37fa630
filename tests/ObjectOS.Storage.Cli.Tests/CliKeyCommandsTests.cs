using System.Text.Json;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>get, set, del, keys, ttl, clear and plugins end to end against a real SQLite file, with and without --plugin and --json.</summary>
public sealed class CliKeyCommandsTests(ITestOutputHelper output) : CliTestBase(output)
{
    [Fact]
    public async Task Set_then_get_round_trips_the_json_value_in_human_and_json_form()
    {
        var set = await RunOkAsync(["set", "greeting", """{"text":"grüß dich 👋","n":1}"""]);
        Assert.Contains("OK", set.Stdout);
        AssertPlain(set);

        var get = await RunOkAsync(["get", "greeting"]);
        Assert.Equal("""{"text":"grüß dich 👋","n":1}""", get.Stdout.TrimEnd('\n'));

        var json = await RunJsonAsync(["get", "greeting"]);
        Assert.Equal("greeting", json.GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("plugin").ValueKind);
        Assert.Equal("grüß dich 👋", json.GetProperty("value").GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ttlMs").ValueKind);
    }

    [Fact]
    public async Task Plugin_option_scopes_every_key_command()
    {
        await RunOkAsync(["set", "--plugin", "@objectos/auth", "session:1", "{\"user\":\"john\"}"]);
        await RunOkAsync(["set", "--plugin", "my-plugin", "session:1", "\"other\""]);

        // Inside the scope the key is relative; the root sees it as <pluginId>:<key>.
        var scoped = await RunJsonAsync(["get", "--plugin", "@objectos/auth", "session:1"]);
        Assert.Equal("john", scoped.GetProperty("value").GetProperty("user").GetString());
        Assert.Equal("@objectos/auth", scoped.GetProperty("plugin").GetString());
        AssertFails(await RunAsync(["get", "session:1"]), 3);
        Assert.Equal("\"other\"", (await RunOkAsync(["get", "my-plugin:session:1"])).Stdout.TrimEnd('\n'));

        var keys = await RunJsonAsync(["keys", "--plugin", "my-plugin"]);
        Assert.Equal(["session:1"], keys.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var root = await RunJsonAsync(["keys"]);
        Assert.Equal(["@objectos/auth:session:1", "my-plugin:session:1"], root.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var ttl = await RunJsonAsync(["ttl", "--plugin", "my-plugin", "session:1"]);
        Assert.False(ttl.GetProperty("expires").GetBoolean());

        var deleted = await RunJsonAsync(["del", "--plugin", "my-plugin", "session:1"]);
        Assert.Equal(1, deleted.GetProperty("deleted").GetInt32());
        AssertFails(await RunAsync(["get", "--plugin", "my-plugin", "session:1"]), 3);
        Assert.Contains("john", (await RunOkAsync(["get", "--plugin", "@objectos/auth", "session:1"])).Stdout);
    }

    [Fact]
    public async Task Keys_lists_sorted_matches_of_a_glob_in_a_plain_table()
    {
        foreach (var key in new[] { "user:2", "user:10", "user:1", "order:1", "a[1]" })
        {
            await RunOkAsync(["set", key, "1"]);
        }

        var users = await RunJsonAsync(["keys", "user:*"]);
        Assert.Equal(["user:1", "user:10", "user:2"], users.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(3, users.GetProperty("count").GetInt32());

        var classes = await RunJsonAsync(["keys", "[ou]*:1"]);
        Assert.Equal(["order:1", "user:1"], classes.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var escaped = await RunJsonAsync(["keys", "a\\[1]"]);
        Assert.Equal(["a[1]"], escaped.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var table = await RunOkAsync(["keys", "user:*"]);
        AssertPlain(table);
        Assert.Contains("user:10", table.Stdout);
        Assert.Contains("3 keys", table.Stdout);
        Assert.DoesNotContain("order:1", table.Stdout);

        var none = await RunOkAsync(["keys", "nothing*"]);
        Assert.Contains("No keys match", none.Stdout);
    }

    [Fact]
    public async Task Ttl_reports_time_left_no_expiry_or_not_found()
    {
        await RunOkAsync(["set", "session", "{}", "--ttl", "5m"]);
        await RunOkAsync(["set", "forever", "{}"]);
        await RunOkAsync(["set", "short", "{}", "--ttl", "00:10:00"]);

        var ttl = await RunJsonAsync(["ttl", "session"]);
        Assert.True(ttl.GetProperty("expires").GetBoolean());
        var ms = ttl.GetProperty("ttlMs").GetInt64();
        Assert.InRange(ms, 1, 300_000);
        Assert.InRange((await RunJsonAsync(["ttl", "short"])).GetProperty("ttlMs").GetInt64(), 1, 600_000);

        Assert.Equal("no expiry", (await RunOkAsync(["ttl", "forever"])).Stdout.Trim());
        Assert.Contains("ms)", (await RunOkAsync(["ttl", "session"])).Stdout);
        var missing = AssertFails(await RunAsync(["ttl", "nope"]), 3);
        Assert.Contains("not found", missing);

        // Setting without --ttl removes the earlier TTL.
        await RunOkAsync(["set", "session", "{}"]);
        Assert.Equal("no expiry", (await RunOkAsync(["ttl", "session"])).Stdout.Trim());
    }

    [Fact]
    public async Task Set_accepts_ttl_forms_string_values_and_stdin()
    {
        foreach (var ttl in new[] { "500ms", "1d" })
        {
            var set = await RunJsonAsync(["set", "k", "1", "--ttl", ttl]);
            Assert.True(set.GetProperty("ttlMs").GetInt64() > 0, ttl);
        }

        await RunOkAsync(["set", "plain", "dark mode", "--string"]);
        Assert.Equal("\"dark mode\"", (await RunOkAsync(["get", "plain"])).Stdout.TrimEnd('\n'));

        await RunOkAsync(["set", "piped", "-"], stdin: "[1, 2, 3]\n");
        Assert.Equal("[1, 2, 3]", (await RunOkAsync(["get", "piped"])).Stdout.TrimEnd('\n'));

        Assert.Contains("VALUE must be JSON", AssertFails(await RunAsync(["set", "k", "not json"]), 2));
        Assert.Contains("--ttl", AssertFails(await RunAsync(["set", "k", "1", "--ttl", "0s"]), 2));
        Assert.Contains("--ttl", AssertFails(await RunAsync(["set", "k", "1", "--ttl", "soon"]), 2));
    }

    [Fact]
    public async Task Del_reports_missing_keys_with_exit_code_3()
    {
        await RunOkAsync(["set", "a", "1"]);
        await RunOkAsync(["set", "b", "2"]);
        var both = await RunJsonAsync(["del", "a", "b", "c"]);
        Assert.Equal(2, both.GetProperty("deleted").GetInt32());
        Assert.Equal(["c"], both.GetProperty("missing").EnumerateArray().Select(k => k.GetString()));
        AssertFails(await RunAsync(["del", "a"]), 3);
    }

    [Fact]
    public async Task Clear_needs_yes_off_a_terminal_and_clears_only_the_given_scope()
    {
        await RunOkAsync(["set", "--plugin", "a", "k1", "1"]);
        await RunOkAsync(["set", "--plugin", "a", "k2", "1"]);
        await RunOkAsync(["set", "--plugin", "a.b", "k1", "1"]);
        await RunOkAsync(["set", "root", "1"]);

        var refused = AssertFails(await RunAsync(["clear"]), 2);
        Assert.Contains("--yes", refused);
        AssertFails(await RunAsync(["clear", "--plugin", "a"]), 2);
        AssertFails(await RunAsync(["clear", "--plugin", "a"], stdin: "n\n"), 1);
        Assert.Equal(4, (await RunJsonAsync(["keys"])).GetProperty("count").GetInt32());

        // A confirmation piped on standard input counts as an answer.
        await RunOkAsync(["set", "--plugin", "piped", "k", "1"]);
        var confirmed = await RunAsync(["clear", "--plugin", "piped"], stdin: "y\n");
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Equal(4, (await RunJsonAsync(["keys"])).GetProperty("count").GetInt32());

        var scoped = await RunJsonAsync(["clear", "--plugin", "a", "--yes"]);
        Assert.Equal(2, scoped.GetProperty("removed").GetInt64());
        Assert.Equal(["a.b:k1", "root"], (await RunJsonAsync(["keys"])).GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var all = await RunOkAsync(["clear", "-y"]);
        Assert.Contains("Removed 2 keys", all.Stdout);
        Assert.Equal(0, (await RunJsonAsync(["keys"])).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Plugins_lists_scopes_with_key_counts_and_value_bytes()
    {
        await RunOkAsync(["set", "--plugin", "@objectos/auth", "a", "\"12345\""]); // 7 bytes
        await RunOkAsync(["set", "--plugin", "@objectos/auth", "b", "1"]);         // 1 byte
        await RunOkAsync(["set", "--plugin", "com.acme.crm", "x", "[1,2]"]);       // 5 bytes
        await RunOkAsync(["set", "no-scope", "true"]);                              // 4 bytes, unscoped
        await RunOkAsync(["set", "bad id*:x", "null"]);                             // 4 bytes, not a valid plugin id

        var json = await RunJsonAsync(["plugins"]);
        var plugins = json.GetProperty("plugins").EnumerateArray()
            .ToDictionary(p => p.GetProperty("plugin").GetString()!, p => (p.GetProperty("keys").GetInt64(), p.GetProperty("bytes").GetInt64()));
        Assert.Equal(2, plugins.Count);
        Assert.Equal((2L, 8L), plugins["@objectos/auth"]);
        Assert.Equal((1L, 5L), plugins["com.acme.crm"]);
        Assert.Equal(2, json.GetProperty("unscoped").GetProperty("keys").GetInt64());
        Assert.Equal(8, json.GetProperty("unscoped").GetProperty("bytes").GetInt64());
        Assert.Equal(5, json.GetProperty("totalKeys").GetInt64());

        var table = await RunOkAsync(["plugins"]);
        AssertPlain(table);
        Assert.Contains("@objectos/auth", table.Stdout);
        Assert.Contains("com.acme.crm", table.Stdout);
        Assert.Contains("2 plugins, 5 keys", table.Stdout);
    }

    [Fact]
    public async Task Store_comes_from_the_environment_or_defaults_to_data_storage_db()
    {
        var envStore = "sqlite:" + Path.Combine(WorkDir, "from-env.db");
        var env = new Dictionary<string, string?> { ["OBJECTOS_STORAGE"] = envStore };
        var set = await RunRawAsync(["set", "k", "1"], environment: env);
        Assert.Equal(0, set.ExitCode);
        Assert.True(File.Exists(Path.Combine(WorkDir, "from-env.db")));

        // No --store and no environment variable: ./data/storage.db, created with its directory.
        var fallback = await RunRawAsync(["set", "k", "2"]);
        Assert.Equal(0, fallback.ExitCode);
        Assert.True(File.Exists(Path.Combine(WorkDir, "data", "storage.db")));
        Assert.Equal("2", (await RunRawAsync(["get", "k"])).Stdout.Trim());
        Assert.Equal("1", (await RunRawAsync(["get", "k"], environment: env)).Stdout.Trim());

        // sqlite:///absolute/path is an absolute path.
        var absolute = "sqlite://" + Path.Combine(WorkDir, "abs.db");
        Assert.Equal(0, (await RunRawAsync(["--store", absolute, "set", "k", "3"])).ExitCode);
        Assert.True(File.Exists(Path.Combine(WorkDir, "abs.db")));
    }
}
