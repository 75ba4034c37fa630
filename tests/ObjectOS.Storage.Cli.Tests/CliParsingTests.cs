namespace ObjectOS.Storage.Cli.Tests;

/// <summary>In-process tests of the CLI's parsers: store URIs, durations and redaction.</summary>
public sealed class CliParsingTests
{
    [Theory]
    [InlineData("memory:")]
    [InlineData("memory://")]
    [InlineData("MEMORY:?maxKeys=5")]
    public void Memory_uris(string text)
    {
        var uri = StoreUri.Parse(text);
        Assert.Equal(StoreKind.Memory, uri.Kind);
    }

    [Theory]
    [InlineData("sqlite:./data/storage.db", "./data/storage.db")]
    [InlineData("sqlite:data.db", "data.db")]
    [InlineData("sqlite:///var/lib/objectos/storage.db", "/var/lib/objectos/storage.db")]
    [InlineData("sqlite:/var/lib/x.db", "/var/lib/x.db")]
    [InlineData("sqlite://rel/x.db", "rel/x.db")]
    [InlineData("sqlite:./my%20data/x.db?wal=false", "./my data/x.db")]
    public void Sqlite_uris(string text, string path)
    {
        var uri = StoreUri.Parse(text);
        Assert.Equal(StoreKind.Sqlite, uri.Kind);
        Assert.Equal(path, uri.Path);
    }

    [Fact]
    public void Redis_uri_with_user_password_database_and_prefix()
    {
        var uri = StoreUri.Parse("redis://app:p%40ss%3Aword@cache.internal:6380/3?prefix=objectos:storage:&connectTimeout=500ms&timeout=2s");
        Assert.Equal(StoreKind.Redis, uri.Kind);
        Assert.Equal([new RedisEndpoint("cache.internal", 6380)], uri.Endpoints);
        Assert.Equal("app", uri.User);
        Assert.Equal("p@ss:word", uri.Password);
        Assert.Equal(3, uri.Database);
        Assert.Equal("objectos:storage:", uri.GetParameter("prefix"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), uri.GetDuration("connectTimeout"));
        Assert.False(uri.Tls);
        Assert.Equal("redis://app:***@cache.internal:6380/3?prefix=objectos:storage:&connectTimeout=500ms&timeout=2s", uri.Redacted);
        Assert.DoesNotContain("word", uri.Redacted);
        Assert.Contains("p@ss:word", uri.Secrets);
        Assert.Contains("p%40ss%3Aword", uri.Secrets);
    }

    [Fact]
    public void Redis_uri_with_several_hosts_tls_ipv6_and_defaults()
    {
        var cluster = StoreUri.Parse("rediss://h1:7000,h2,[::1]:7002/0");
        Assert.True(cluster.Tls);
        Assert.Equal([new RedisEndpoint("h1", 7000), new RedisEndpoint("h2", 6379), new RedisEndpoint("::1", 7002)], cluster.Endpoints);
        Assert.Equal("[::1]:7002", cluster.Endpoints[2].ToString());
        Assert.Null(cluster.Password);

        var minimal = StoreUri.Parse("redis://localhost");
        Assert.Equal([new RedisEndpoint("localhost", 6379)], minimal.Endpoints);
        Assert.Null(minimal.Database);
        Assert.True(StoreUri.Parse("redis://localhost?ssl=true").Tls);

        var passwordOnly = StoreUri.Parse("redis://:secret@localhost:6379");
        Assert.Null(passwordOnly.User);
        Assert.Equal("secret", passwordOnly.Password);
        Assert.Equal("redis://:***@localhost:6379", passwordOnly.Redacted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ftp://x")]
    [InlineData("redis:localhost")]
    [InlineData("redis://")]
    [InlineData("redis://host:0")]
    [InlineData("redis://host:port")]
    [InlineData("redis://[::1/0")]
    [InlineData("redis://host/abc")]
    [InlineData("redis://host?bogus=1")]
    [InlineData("sqlite:")]
    [InlineData("memory:/path")]
    public void Malformed_uris_throw_argument_exceptions_without_secrets(string text)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => StoreUri.Parse(text));
        Assert.StartsWith("Bad store URI", ex.Message);
        var withSecret = text.Replace("://", "://u:TOPSECRET@", StringComparison.Ordinal);
        if (withSecret != text)
        {
            var secretEx = Assert.ThrowsAny<ArgumentException>(() => StoreUri.Parse(withSecret));
            Assert.DoesNotContain("TOPSECRET", secretEx.Message);
        }
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("45", 45_000)]
    [InlineData("00:00:30", 30_000)]
    [InlineData("1.02:00:00", 93_600_000)]
    [InlineData(" 10 s ", 10_000)]
    public void Durations(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("ms")]
    [InlineData("1e400s")]
    public void Bad_durations(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("0s")]
    [InlineData("-5s")]
    public void Ttl_must_be_positive(string text) => Assert.Throws<ArgumentException>(() => Duration.ParseTimeToLive(text));

    [Fact]
    public void Formatting_durations()
    {
        Assert.Equal("850ms", Duration.Format(TimeSpan.FromMilliseconds(850)));
        Assert.Equal("12.3s", Duration.Format(TimeSpan.FromMilliseconds(12_300)));
        Assert.Equal("4m 05s", Duration.Format(TimeSpan.FromSeconds(245)));
        Assert.Equal("2h 10m", Duration.Format(TimeSpan.FromMinutes(130)));
        Assert.Equal("3d 4h", Duration.Format(TimeSpan.FromHours(76)));
        Assert.Equal(1, Duration.ToMilliseconds(TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Redactor_removes_tracked_passwords_and_user_info()
    {
        var redactor = new Redactor();
        redactor.Track(StoreUri.Parse("redis://bob:hunter2@db:6379"));
        Assert.Equal("auth failed for *** on db", redactor.Redact("auth failed for hunter2 on db"));
        Assert.Equal("see redis://alice:***@other:6379/0", redactor.Redact("see redis://alice:pw@other:6379/0"));
        Assert.Equal("host:6379,password=***,ssl=true", redactor.Redact("host:6379,password=abc,ssl=true"));
    }
}
