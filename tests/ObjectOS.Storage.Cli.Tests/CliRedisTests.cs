using System.Text.Json;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>
/// The CLI against the real Redis that scripts/test.sh starts (<c>OBJECTOS_REDIS=host:port</c>, and
/// <c>OBJECTOS_REDIS_CLUSTER=h1:p1,h2:p2,...</c>): copy SQLite to Redis and back keeping TTLs, idempotently. Each test
/// uses its own key prefix and clears it afterwards. Without the variables the tests return early with a message.
/// </summary>
public sealed class CliRedisTests(ITestOutputHelper output) : CliTestBase(output), IAsyncLifetime
{
    private readonly List<string> _redisStores = [];

    private string? RedisStore(string variable = "OBJECTOS_REDIS")
    {
        var hosts = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(hosts))
        {
            Output.WriteLine($"{variable} is not set (scripts/test.sh sets it): skipping this Redis test.");
            return null;
        }

        var store = $"redis://{hosts}/0?prefix=cli-test-{Guid.NewGuid():N}:&connectTimeout=5s";
        _redisStores.Add(store);
        return store;
    }

    [Fact]
    public async Task Copy_sqlite_to_redis_and_back_keeps_values_and_ttls_and_is_idempotent()
    {
        if (RedisStore() is not { } redis)
        {
            return;
        }

        await TestData.SeedAsync((args, stdin) => RunAsync(args, stdin));
        var back = "sqlite:" + Path.Combine(WorkDir, "back.db");

        for (var run = 0; run < 2; run++)
        {
            var there = await RunJsonAsync(["copy", "--from", Store, "--to", redis]);
            Assert.Equal(6, there.GetProperty("copied").GetInt64());
            Assert.Equal(1, there.GetProperty("withTtl").GetInt64());

            var returned = await RunJsonAsync(["copy", "--from", redis, "--to", back]);
            Assert.Equal(6, returned.GetProperty("copied").GetInt64());
        }

        // Same keys, values and TTLs everywhere (remaining TTLs within a minute of the source's).
        var original = await DumpAsync(Store);
        Assert.InRange(original["@objectos/auth:session:1"].TtlMs!.Value, 3_000_000, 3_600_000);
        await AssertSameDataAsync(original, redis);
        await AssertSameDataAsync(original, back);
        Assert.InRange((await RunJsonAsync(["ttl", "--plugin", "@objectos/auth", "session:1"], store: redis)).GetProperty("ttlMs").GetInt64(), 3_000_000, 3_600_000);
    }

    [Fact]
    public async Task Key_commands_plugins_and_export_import_work_on_redis()
    {
        if (RedisStore() is not { } redis)
        {
            return;
        }

        await RunOkAsync(["set", "--plugin", "crm", "contact:1", "{\"name\":\"Zoë\"}", "--ttl", "10m"], store: redis);
        await RunOkAsync(["set", "--plugin", "crm", "contact:2", "-"], stdin: "{\"name\":\"Ana\"}", store: redis);
        await RunOkAsync(["set", "--plugin", "crm.archive", "contact:1", "\"old\""], store: redis);

        var scoped = await RunJsonAsync(["keys", "--plugin", "crm", "contact:*"], store: redis);
        Assert.Equal(["contact:1", "contact:2"], scoped.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("Zoë", (await RunJsonAsync(["get", "--plugin", "crm", "contact:1"], store: redis)).GetProperty("value").GetProperty("name").GetString());
        Assert.InRange((await RunJsonAsync(["ttl", "--plugin", "crm", "contact:1"], store: redis)).GetProperty("ttlMs").GetInt64(), 1, 600_000);

        var plugins = await RunJsonAsync(["plugins"], store: redis);
        Assert.Equal(["crm", "crm.archive"], plugins.GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("plugin").GetString()));

        var dump = Path.Combine(WorkDir, "redis.jsonl");
        await RunOkAsync(["export", "--output", dump], store: redis);
        await RunOkAsync(["import", "--input", dump]);
        await AssertSameDataAsync(await DumpAsync(redis), Store);

        Assert.Equal(2, (await RunJsonAsync(["clear", "--plugin", "crm", "--yes"], store: redis)).GetProperty("removed").GetInt64());
        Assert.Equal(["crm.archive:contact:1"], (await RunJsonAsync(["keys"], store: redis)).GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        AssertFails(await RunAsync(["keys", "[z-a"], store: redis), 2);
    }

    [Fact]
    public async Task Copy_to_a_redis_cluster_named_by_several_hosts()
    {
        if (RedisStore("OBJECTOS_REDIS_CLUSTER") is not { } cluster)
        {
            return;
        }

        await TestData.SeedAsync((args, stdin) => RunAsync(args, stdin));
        var copied = await RunJsonAsync(["copy", "--to", cluster], store: Store);
        Assert.Equal(6, copied.GetProperty("copied").GetInt64());
        await AssertSameDataAsync(await DumpAsync(Store), cluster);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _redisStores)
        {
            await RunAsync(["clear", "--yes"], store: store);
        }
    }
}
