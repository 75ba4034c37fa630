using ObjectOS.Storage.Redis;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>Option validation and the StackExchange.Redis configuration built from the options (no server needed).</summary>
public sealed class RedisStorageOptionsTests
{
    [Fact]
    public void The_seed_usage_compiles_and_has_the_nodejs_defaults()
    {
        var storage = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            Host = "127.0.0.1",
            Port = 6379,
            Password = "your-password",
            Database = 0,
            KeyPrefix = "objectos:storage:",
        }));
        Assert.Equal("redis", storage.Backend.Name);
        var defaults = new RedisStorageOptions();
        Assert.Equal("objectos:storage:", defaults.KeyPrefix);
        Assert.Equal("localhost", defaults.Host);
        Assert.Equal(6379, defaults.Port);
        Assert.Equal("~index:objectos:storage:", defaults.IndexKeyPrefix);
    }

    [Theory]
    [InlineData("")]
    [InlineData("~index:")]
    [InlineData("~index:app:")]
    [InlineData("~")]
    [InlineData("~ind")]
    [InlineData("app{:")]
    [InlineData("app{}:")]
    public void Invalid_key_prefixes_are_rejected(string prefix)
    {
        var options = new RedisStorageOptions();
        Assert.ThrowsAny<ArgumentException>(() => options.KeyPrefix = prefix);
        Assert.Equal(RedisStorageOptions.DefaultKeyPrefix, options.KeyPrefix);
    }

    [Theory]
    [InlineData("app:")]
    [InlineData("{tenant1}:storage:")]
    [InlineData("~indexer:")]
    [InlineData("objectos:storage:")]
    [InlineData("a")]
    public void Valid_key_prefixes_are_accepted(string prefix)
    {
        var options = new RedisStorageOptions { KeyPrefix = prefix };
        Assert.Equal(prefix, options.KeyPrefix);
        Assert.False(options.IndexKeyPrefix.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Setters_validate_their_values()
    {
        var options = new RedisStorageOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Port = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Port = 65536);
        Assert.ThrowsAny<ArgumentException>(() => options.Host = "");
        Assert.ThrowsAny<ArgumentException>(() => options.Host = "a,b");
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Database = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ConnectTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.OperationTimeout = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.OperationTimeout = TimeSpan.FromHours(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.BatchSize = 5);
        Assert.ThrowsAny<ArgumentException>(() => options.KeyPrefix = "bad\uD800");
        Assert.ThrowsAny<ArgumentException>(() => options.ConnectionString = "password=only-a-password");
        var ex = Assert.ThrowsAny<ArgumentException>(() => options.ConnectionString = "host:6379,password=s3cret,notAnOption=1");
        Assert.DoesNotContain("s3cret", ex.ToString(), StringComparison.Ordinal);
        options.ConnectionString = "";
        Assert.Null(options.ConnectionString);
    }

    [Fact]
    public void The_configuration_fails_fast_and_uses_the_timeouts()
    {
        var options = new RedisStorageOptions
        {
            Host = "redis.example",
            Port = 6380,
            User = "app",
            Password = "pw",
            Ssl = true,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            OperationTimeout = TimeSpan.FromMilliseconds(1500),
            ConfigureConnection = c => c.ClientName = "custom",
        };
        var configuration = options.BuildConfiguration();
        Assert.Equal("redis.example:6380", RedisStorageOptions.EndPointText(Assert.Single(configuration.EndPoints)));
        Assert.Equal("app", configuration.User);
        Assert.Equal("pw", configuration.Password);
        Assert.True(configuration.Ssl);
        Assert.Equal(3000, configuration.ConnectTimeout);
        Assert.Equal(1500, configuration.SyncTimeout);
        Assert.Equal(1500, configuration.AsyncTimeout);
        Assert.Same(BacklogPolicy.FailFast, configuration.BacklogPolicy);
        Assert.Equal("custom", configuration.ClientName);
        Assert.DoesNotContain("pw", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_string_brings_several_endpoints_user_tls_and_database()
    {
        var options = new RedisStorageOptions { ConnectionString = "r1:7000,r2:7001,r3:7002,user=svc,password=from-string,ssl=true,defaultDatabase=2" };
        var configuration = options.BuildConfiguration();
        Assert.Equal(["r1:7000", "r2:7001", "r3:7002"], configuration.EndPoints.Select(RedisStorageOptions.EndPointText));
        Assert.Equal("svc", configuration.User);
        Assert.Equal("from-string", configuration.Password);
        Assert.True(configuration.Ssl);
        Assert.Equal(2, options.ResolveDatabase(configuration));
        Assert.DoesNotContain("from-string", options.ToString(), StringComparison.Ordinal);

        options.Password = "explicit";
        options.Database = 0;
        configuration = options.BuildConfiguration();
        Assert.Equal("explicit", configuration.Password);
        Assert.Equal(0, options.ResolveDatabase(configuration));
    }

    [Fact]
    public async Task Operations_before_initialisation_and_after_disposal_fail_clearly()
    {
        var backend = new RedisStorageBackend(new RedisStorageOptions());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await backend.GetAsync(new PhysicalKey("k"), default));
        await backend.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await backend.GetAsync(new PhysicalKey("k"), default));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await backend.InitializeAsync(default));
        Assert.Throws<ArgumentNullException>(() => new RedisStorageBackend((IConnectionMultiplexer)null!));
    }

    [Fact]
    public void Redis_glob_escaping_makes_every_metacharacter_literal()
    {
        Assert.Equal("plain:key", RedisStorageBackend.EscapeGlob("plain:key"));
        Assert.Equal("a\\*b\\?c\\[d\\]e\\\\f", RedisStorageBackend.EscapeGlob("a*b?c[d]e\\f"));
    }
}
