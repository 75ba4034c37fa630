using System.Globalization;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis;

/// <summary>
/// Settings of a <see cref="RedisStorageBackend"/>: where Redis is (one host, or a connection string with several
/// endpoints, an ACL user and TLS), which key prefix the data lives under, and how long start-up and operations may
/// take. Every setter validates its value, so a bad setting fails where it is written.
/// </summary>
public sealed class RedisStorageOptions
{
    /// <summary>The key prefix of the original Node.js package, so both can share one Redis database.</summary>
    public const string DefaultKeyPrefix = "objectos:storage:";

    /// <summary>The text every index key starts with, followed by the <see cref="KeyPrefix"/>; no data key can start with it.</summary>
    public const string IndexKeyMarker = "~index:";

    private string _host = "localhost";
    private int _port = 6379;
    private string? _user;
    private string? _password;
    private int? _database;
    private string _keyPrefix = DefaultKeyPrefix;
    private string? _connectionString;
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _operationTimeout = TimeSpan.FromSeconds(5);
    private int _batchSize = 1000;

    /// <summary>The Redis host name or IP address (default <c>localhost</c>); ignored when <see cref="ConnectionString"/> is set.</summary>
    /// <exception cref="ArgumentException">The value is empty or contains whitespace or a comma.</exception>
    public string Host
    {
        get => _host;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (value.AsSpan().IndexOfAny(" \t\r\n,") >= 0)
            {
                throw new ArgumentException("Host must be a single host name or IP address; use ConnectionString for several endpoints.", nameof(value));
            }

            _host = value;
        }
    }

    /// <summary>The Redis TCP port (default 6379); ignored when <see cref="ConnectionString"/> is set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside 1-65535.</exception>
    public int Port
    {
        get => _port;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535);
            _port = value;
        }
    }

    /// <summary>The Redis ACL user name (Redis 6+), or <see langword="null"/> for the default user. Overrides a <c>user=</c> in the connection string.</summary>
    public string? User
    {
        get => _user;
        set => _user = string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The password, or <see langword="null"/> for none. Overrides a <c>password=</c> in the connection string; never appears in messages or <see cref="ToString"/>.</summary>
    public string? Password
    {
        get => _password;
        set => _password = string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// The logical database number; <see langword="null"/> (default) means the connection string's
    /// <c>defaultDatabase</c> or 0. Redis Cluster only has database 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The number is negative.</exception>
    public int? Database
    {
        get => _database;
        set
        {
            if (value is { } db)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(db, nameof(value));
            }

            _database = value;
        }
    }

    /// <summary>
    /// The text every data key starts with (default <c>objectos:storage:</c>, the Node.js package's default): a key is
    /// stored as <c>&lt;KeyPrefix&gt;&lt;pluginId&gt;:&lt;key&gt;</c>. It must not be empty and must not start with (or be the start
    /// of) <see cref="IndexKeyMarker"/>. If it contains <c>{</c>, it must hold a complete Redis Cluster hash tag such as
    /// <c>{objectos}:storage:</c>, which then places every key of this store in one cluster slot.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is empty, would overlap the index keys or has an incomplete hash tag.</exception>
    public string KeyPrefix
    {
        get => _keyPrefix;
        set
        {
            ValidateKeyPrefix(value);
            _keyPrefix = value;
        }
    }

    /// <summary>The prefix of this store's index keys: <see cref="IndexKeyMarker"/> followed by <see cref="KeyPrefix"/>, outside the data keyspace.</summary>
    public string IndexKeyPrefix => IndexKeyMarker + _keyPrefix;

    /// <summary>Whether to connect with TLS; ignored when <see cref="ConnectionString"/> already says <c>ssl=true</c>.</summary>
    public bool Ssl { get; set; }

    /// <summary>
    /// A StackExchange.Redis connection string, e.g. <c>redis1:6379,redis2:6379,user=app,password=...,ssl=true</c>:
    /// several endpoints (a cluster or a primary with replicas), an ACL user, TLS. When set, <see cref="Host"/> and
    /// <see cref="Port"/> are ignored; <see cref="User"/>, <see cref="Password"/> and <see cref="Ssl"/> still apply on top.
    /// </summary>
    /// <exception cref="ArgumentException">The string cannot be parsed or names no endpoint.</exception>
    public string? ConnectionString
    {
        get => _connectionString;
        set
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                _connectionString = null;
                return;
            }

            ConfigurationOptions parsed;
            try
            {
                parsed = ConfigurationOptions.Parse(value);
            }
            catch (ArgumentException)
            {
                // The parser's message may quote the string, which can hold a password: do not pass it on.
                throw new ArgumentException("ConnectionString is not a valid StackExchange.Redis connection string.", nameof(value));
            }

            if (parsed.EndPoints.Count == 0)
            {
                throw new ArgumentException("ConnectionString names no endpoint (expected e.g. 'host:6379').", nameof(value));
            }

            _connectionString = value;
        }
    }

    /// <summary>How long start-up may take to connect (default 5 s); an unreachable server fails start-up after it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or exceeds 10 minutes.</exception>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        set => _connectTimeout = ValidateTimeout(value);
    }

    /// <summary>
    /// How long one operation (one command, script or page of a listing) may take before it fails with
    /// <see cref="StorageUnavailableException"/> (default 5 s). Applies to synchronous and asynchronous commands.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or exceeds 10 minutes.</exception>
    public TimeSpan OperationTimeout
    {
        get => _operationTimeout;
        set => _operationTimeout = ValidateTimeout(value);
    }

    /// <summary>
    /// How many keys one round trip handles when listing, clearing and re-indexing (SCAN <c>COUNT</c>, index page size,
    /// keys per delete script; default 1000). Larger batches mean fewer round trips but longer single commands.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 10-100000.</exception>
    public int BatchSize
    {
        get => _batchSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 10);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100_000);
            _batchSize = value;
        }
    }

    /// <summary>
    /// Whether start-up runs <see cref="RedisStorageBackend.ReindexAsync"/> (a full SCAN of the key prefix), so keys
    /// written by clients that do not maintain the scope index (the Node.js package) become listable. Default false: the
    /// scan costs O(all keys in the database) at every start, which the scope index exists to avoid; turn it on, or call
    /// <see cref="RedisStorageBackend.ReindexAsync"/>, where Node.js writes to the same store.
    /// </summary>
    public bool ReindexOnInitialize { get; set; }

    /// <summary>
    /// An optional last word on the StackExchange.Redis configuration built from these options (certificates,
    /// client name, socket settings); it runs after every other setting is applied.
    /// </summary>
    public Action<ConfigurationOptions>? ConfigureConnection { get; set; }

    /// <summary>The endpoints and settings without any secret, for diagnostics.</summary>
    public override string ToString()
    {
        var where = _connectionString is null
            ? string.Create(CultureInfo.InvariantCulture, $"{_host}:{_port}")
            : string.Join(",", ConfigurationOptions.Parse(_connectionString).EndPoints.Select(EndPointText));
        return string.Create(CultureInfo.InvariantCulture,
            $"redis {where} db={_database?.ToString(CultureInfo.InvariantCulture) ?? "default"} prefix='{_keyPrefix}' user={_user ?? "default"} ssl={Ssl}");
    }

    internal static string EndPointText(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
        _ => endPoint.ToString() ?? "?",
    };

    /// <summary>Builds the StackExchange.Redis configuration: fail-fast while disconnected, timeouts from these options.</summary>
    internal ConfigurationOptions BuildConfiguration()
    {
        var configuration = _connectionString is null ? new ConfigurationOptions() : ConfigurationOptions.Parse(_connectionString);
        if (_connectionString is null)
        {
            configuration.EndPoints.Add(_host, _port);
        }

        if (_user is not null)
        {
            configuration.User = _user;
        }

        if (_password is not null)
        {
            configuration.Password = _password;
        }

        if (Ssl)
        {
            configuration.Ssl = true;
        }

        var connectMs = ToMilliseconds(_connectTimeout);
        var operationMs = ToMilliseconds(_operationTimeout);
        configuration.ConnectTimeout = connectMs;
        configuration.SyncTimeout = operationMs;
        configuration.AsyncTimeout = operationMs;
        configuration.AbortOnConnectFail = true;
        configuration.ConnectRetry = 1;

        // While disconnected, fail at once instead of queueing: a queued write could still run after we reported failure.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(200, 2000);
        configuration.ClientName ??= "objectos-storage";
        ConfigureConnection?.Invoke(configuration);
        return configuration;
    }

    /// <summary>The database number to use with <paramref name="configuration"/>.</summary>
    internal int ResolveDatabase(ConfigurationOptions configuration) => _database ?? configuration.DefaultDatabase ?? 0;

    private static int ToMilliseconds(TimeSpan value) => (int)Math.Ceiling(value.TotalMilliseconds);

    private static TimeSpan ValidateTimeout(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(value));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(10), nameof(value));
        return value;
    }

    private static void ValidateKeyPrefix(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            throw new ArgumentException(
                "KeyPrefix must not be empty: the backend's keys need a namespace of their own (the default is 'objectos:storage:').", nameof(value));
        }

        if (value.StartsWith(IndexKeyMarker, StringComparison.Ordinal) || IndexKeyMarker.StartsWith(value, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"KeyPrefix '{value}' overlaps the index keys, which start with '{IndexKeyMarker}'; choose another prefix.", nameof(value));
        }

        if (value.Contains('{', StringComparison.Ordinal) && !RedisHashSlot.HasHashTag(value))
        {
            throw new ArgumentException(
                $"KeyPrefix '{value}' contains '{{' without a complete Redis Cluster hash tag; use a whole tag such as '{{objectos}}:storage:' or no braces.", nameof(value));
        }

        StorageValidation.ValidateKey(value, int.MaxValue);
    }
}
