using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis;

/// <summary>
/// Stores ObjectOS storage keys in Redis or Redis Cluster with the Node.js package's layout
/// (<c>&lt;KeyPrefix&gt;&lt;pluginId&gt;:&lt;key&gt;</c>, JSON text, native expiry), plus a sorted-set index per plugin scope
/// so that listing or clearing one scope costs the keys in that scope, not the whole database.
/// </summary>
/// <remarks>
/// Every write of a scoped key is one Lua script that sets or deletes the key and updates its index atomically.
/// Keys written by clients that do not maintain the index (the Node.js package) are found by the root listing and
/// become visible to scoped listing after <see cref="ReindexAsync"/>. Operations fail with
/// <see cref="StorageUnavailableException"/> within <see cref="RedisStorageOptions.OperationTimeout"/> when Redis is
/// unreachable, and work again once it is back; the backend never needs to be recreated.
/// </remarks>
public sealed class RedisStorageBackend : IStorageBackend
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Version MinimumServerVersion = new(6, 2);
    private static readonly Version ClusterServerVersion = new(7, 0);
    private static readonly string[] NoTag = [""];

    private readonly IConnectionMultiplexer? _external;
    private readonly ConfigurationOptions? _configuration;
    private readonly string _keyPrefix;
    private readonly byte[] _keyPrefixBytes;
    private readonly string _indexPrefix;
    private readonly int? _database;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _connectTimeout;
    private readonly int _batchSize;
    private readonly bool _reindexOnInitialize;
    private readonly string? _password;
    private readonly string _where;
    private readonly Lock _gate = new();

    // Per-slot layout only: the (scope, slot) pairs this instance has recorded in the scope's slot directory.
    private readonly ConcurrentDictionary<string, SlotSet> _registeredSlots = new(StringComparer.Ordinal);
    private Task<Connection>? _initTask;
    private volatile Connection? _connection;
    private bool _disposed;

    /// <summary>Creates a backend that opens (and later disposes) its own connection as described by <paramref name="options"/>.</summary>
    /// <param name="options">Where Redis is and how the keys are laid out; read once, here.</param>
    public RedisStorageBackend(RedisStorageOptions options)
        : this(options, external: null)
    {
    }

    /// <summary>
    /// Creates a backend on a connection the application already owns (shared with its other Redis users). The backend
    /// never disposes it. <paramref name="options"/> supplies the key prefix, database, timeouts and batch size; its
    /// connection settings are ignored.
    /// </summary>
    /// <param name="connection">A connected multiplexer; the application keeps ownership.</param>
    /// <param name="options">Key layout and timeouts, or <see langword="null"/> for the defaults.</param>
    public RedisStorageBackend(IConnectionMultiplexer connection, RedisStorageOptions? options = null)
        : this(options ?? new RedisStorageOptions(), connection ?? throw new ArgumentNullException(nameof(connection)))
    {
    }

    private RedisStorageBackend(RedisStorageOptions options, IConnectionMultiplexer? external)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _external = external;
        _keyPrefix = options.KeyPrefix;
        _keyPrefixBytes = Encoding.UTF8.GetBytes(_keyPrefix);
        _indexPrefix = options.IndexKeyPrefix;
        _database = options.Database;
        _timeout = options.OperationTimeout;
        _connectTimeout = options.ConnectTimeout;
        _batchSize = options.BatchSize;
        _reindexOnInitialize = options.ReindexOnInitialize;
        if (external is null)
        {
            _configuration = options.BuildConfiguration();
            _password = _configuration.Password;
            _where = string.Join(",", _configuration.EndPoints.Select(RedisStorageOptions.EndPointText));
        }
        else
        {
            _where = external.ClientName is { Length: > 0 } name ? $"the application's connection '{name}'" : "the application's connection";
        }
    }

    /// <summary>The options the backend was created with (changes made after construction have no effect).</summary>
    public RedisStorageOptions Options { get; }

    /// <inheritdoc />
    public string Name => "redis";

    /// <summary>Whether the backend is talking to a Redis Cluster; known once <see cref="InitializeAsync"/> has succeeded.</summary>
    public bool IsCluster => _connection?.Cluster ?? false;

    /// <summary>
    /// Whether the scope index is split per cluster hash slot (a cluster with a <see cref="RedisStorageOptions.KeyPrefix"/>
    /// without hash tag), rather than one sorted set per scope; known once <see cref="InitializeAsync"/> has succeeded.
    /// </summary>
    public bool UsesPerSlotIndex => _connection?.PerSlot ?? false;

    private sealed class Connection(IConnectionMultiplexer multiplexer, IDatabase database, int databaseNumber, bool cluster, bool perSlot, bool owned)
    {
        public IConnectionMultiplexer Multiplexer { get; } = multiplexer;

        public IDatabase Database { get; } = database;

        public int DatabaseNumber { get; } = databaseNumber;

        public bool Cluster { get; } = cluster;

        public bool PerSlot { get; } = perSlot;

        public bool Owned { get; } = owned;
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    /// <inheritdoc />
    /// <exception cref="StorageConfigurationException">Redis rejected the credentials, is too old, or the settings do not fit the server (a database other than 0 on a cluster).</exception>
    /// <exception cref="StorageUnavailableException">Redis cannot be reached within <see cref="RedisStorageOptions.ConnectTimeout"/>.</exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        Task<Connection> init;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_initTask is null || _initTask.IsFaulted || _initTask.IsCanceled)
            {
                _initTask = InitializeCoreAsync();
            }

            init = _initTask;
        }

        return init.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(init.WaitAsync(cancellationToken));
    }

    private async Task<Connection> InitializeCoreAsync()
    {
        var owned = _external is null;
        var multiplexer = _external ?? await ConnectAsync().ConfigureAwait(false);
        try
        {
            var connection = await InspectAsync(multiplexer, owned).ConfigureAwait(false);
            if (_reindexOnInitialize)
            {
                await ReindexCoreAsync(connection, CancellationToken.None).ConfigureAwait(false);
            }

            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _connection = connection;
            }

            return connection;
        }
        catch
        {
            if (owned)
            {
                await multiplexer.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var configuration = _configuration!.Clone();
        var connect = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            // The client bounds the connect by ConnectTimeout; the outer bound only guards against a hang.
            return await connect.WaitAsync(_connectTimeout + _connectTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
        {
            var user = configuration.User is { Length: > 0 } name ? $"user '{name}'" : "the default user";
            throw new StorageConfigurationException(
                $"Redis at {_where} rejected the credentials of {user}: check RedisStorageOptions.User and Password (or the connection string). " +
                Scrub(FirstLine(ex.InnerException?.Message ?? ex.Message)), SafeInner(ex));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            DisposeWhenDone(connect);
            var reason = ex is RedisConnectionException rce ? rce.FailureType.ToString() : ex.GetType().Name;
            throw new StorageUnavailableException(
                string.Create(CultureInfo.InvariantCulture,
                    $"Cannot connect to Redis at {_where} within {_connectTimeout.TotalSeconds:0.###} s ({reason}). Check that the server runs and the host, port and TLS settings are right."),
                SafeInner(ex));
        }
    }

    private async Task<Connection> InspectAsync(IConnectionMultiplexer multiplexer, bool owned)
    {
        var servers = multiplexer.GetServers();
        if (servers.FirstOrDefault(s => s.ServerType is ServerType.Twemproxy or ServerType.Envoyproxy) is { } proxy)
        {
            throw new StorageConfigurationException(
                $"Redis endpoint {RedisStorageOptions.EndPointText(proxy.EndPoint)} is a {proxy.ServerType} proxy, which the Redis storage backend does not support " +
                "(it needs Lua scripts and SCAN on the primaries): connect to the Redis primaries or the cluster nodes directly.");
        }

        var primaries = servers.Where(s => s.IsConnected && !s.IsReplica && s.ServerType is ServerType.Standalone or ServerType.Cluster).ToArray();
        if (primaries.Length == 0)
        {
            if (servers.Any(s => s.ServerType == ServerType.Sentinel))
            {
                throw new StorageConfigurationException(
                    $"{_where} is a Redis Sentinel: add serviceName=<primary name> to the connection string so that the backend talks to the primary.");
            }

            throw new StorageUnavailableException($"No Redis primary is connected ({_where}).");
        }

        if (primaries.FirstOrDefault(s => s.Version < MinimumServerVersion) is { } old)
        {
            throw new StorageConfigurationException(
                $"Redis {old.Version} at {RedisStorageOptions.EndPointText(old.EndPoint)} is too old: the Redis storage backend needs Redis {MinimumServerVersion} or later.");
        }

        var cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
        var databaseNumber = _database ?? _configuration?.DefaultDatabase ?? 0;
        if (cluster && databaseNumber != 0)
        {
            throw new StorageConfigurationException(
                $"Redis Cluster only has database 0, but RedisStorageOptions.Database (or defaultDatabase) is {databaseNumber}.");
        }

        var perSlot = cluster && !RedisHashSlot.HasHashTag(_keyPrefix);
        if (perSlot && primaries.FirstOrDefault(s => s.Version < ClusterServerVersion) is { } oldNode)
        {
            throw new StorageConfigurationException(
                $"Redis {oldNode.Version} at {RedisStorageOptions.EndPointText(oldNode.EndPoint)} is too old for the per-slot index of a cluster " +
                $"(Redis {ClusterServerVersion} or later): upgrade, or use a KeyPrefix with a hash tag such as '{{objectos}}:storage:'.");
        }

        var connection = new Connection(multiplexer, multiplexer.GetDatabase(databaseNumber), databaseNumber, cluster, perSlot, owned);
        await RunAsync(connection.Database.PingAsync(), "PING", CancellationToken.None).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Closes the connection if the backend opened it; a connection passed in by the application stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        Connection? connection;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
            _connection = null;
        }

        if (connection is { Owned: true })
        {
            await connection.Multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Connection Ready(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _connection;
        if (connection is not null)
        {
            return connection;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        throw new InvalidOperationException("The Redis storage backend is not initialized: call InitializeAsync first (StoragePlugin does this on first use).");
    }

    // ------------------------------------------------------------------------------------------ single keys

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>?> GetAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var connection = Ready(cancellationToken);
        var value = await RunAsync(connection.Database.StringGetAsync(DataKey(key)), "GET", cancellationToken).ConfigureAwait(false);
        // Careful: a null byte[] converts to an empty ReadOnlyMemory, which would read as a stored value.
        return value.IsNull ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>((byte[])value!);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var connection = Ready(cancellationToken);
        var physical = key.ToString();
        var dataKey = _keyPrefix + physical;
        long? expiryMs = timeToLive is { } ttl ? StorageValidation.ToExpiryMilliseconds(ttl) : null;
        var scope = ScopeOf(physical);
        if (scope is null)
        {
            TimeSpan? expiry = expiryMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
            var stored = await RunAsync(connection.Database.StringSetAsync(dataKey, value, expiry, When.Always), "SET", cancellationToken).ConfigureAwait(false);
            if (!stored)
            {
                throw new StorageException("Redis did not confirm the SET.");
            }

            return;
        }

        var slot = connection.PerSlot ? RedisHashSlot.Of(dataKey) : -1;
        var indexKey = IndexKey(scope, slot);
        var registered = false;
        if (slot >= 0 && !IsRegistered(scope, slot))
        {
            // Record the slot in the scope's directory before the key can exist, so a listing never misses it.
            await RegisterSlotsAsync(connection, scope, [slot], cancellationToken).ConfigureAwait(false);
            registered = true;
        }

        var script = expiryMs is { } px
            ? connection.Database.ScriptEvaluateAsync(slot >= 0 ? RedisScripts.SetWithExpiry : RedisScripts.SetWithExpiryUnslotted, [dataKey, indexKey], [value, px, physical, _keyPrefix])
            : connection.Database.ScriptEvaluateAsync(slot >= 0 ? RedisScripts.Set : RedisScripts.SetUnslotted, [dataKey, indexKey], [value, physical]);
        var created = (long)await RunAsync(script, "SET", cancellationToken).ConfigureAwait(false);
        if (created == 1 && slot >= 0 && !registered)
        {
            // The index had to be created although this instance had registered its slot: the directory may have
            // been lost (FLUSHALL, a deleted key), so record the slot again before reporting success.
            await RegisterSlotsAsync(connection, scope, [slot], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var connection = Ready(cancellationToken);
        var physical = key.ToString();
        var dataKey = _keyPrefix + physical;
        var indexKey = IndexKeyOf(connection, physical, dataKey);
        if (indexKey is null)
        {
            return await RunAsync(connection.Database.KeyDeleteAsync(dataKey), "DEL", cancellationToken).ConfigureAwait(false);
        }

        var removed = await RunAsync(
            connection.Database.ScriptEvaluateAsync(RedisScripts.Delete, [dataKey, indexKey], [physical]),
            "DEL", cancellationToken).ConfigureAwait(false);
        return (long)removed == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExistsAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var connection = Ready(cancellationToken);
        return await RunAsync(connection.Database.KeyExistsAsync(DataKey(key)), "EXISTS", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<TimeSpan?> GetTimeToLiveAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        var connection = Ready(cancellationToken);
        var result = await RunAsync(
            connection.Database.ScriptEvaluateAsync(RedisScripts.TimeToLive, [DataKey(key)]), "PTTL", cancellationToken).ConfigureAwait(false);
        var ms = (long)result;
        return ms switch
        {
            -2 => null,
            -1 => Timeout.InfiniteTimeSpan,
            _ => TimeSpan.FromMilliseconds(Math.Max(ms, 0)),
        };
    }

    // ------------------------------------------------------------------------------------------ listing and clearing

    /// <inheritdoc />
    /// <remarks>
    /// A query inside one scope (its literal prefix contains <c>:</c>) reads that scope's index with
    /// <c>ZRANGEBYLEX</c> on the prefix range, dropping members whose key has expired. A root query whose literal
    /// prefix names no scope scans the key prefix with <c>SCAN MATCH</c> on every primary.
    /// </remarks>
    public async IAsyncEnumerable<string> ListKeysAsync(KeyQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = Ready(cancellationToken);
        var scope = ScopeOf(query.Prefix);
        if (scope is null)
        {
            await foreach (var key in ScanKeysAsync(connection, query.Prefix, dedupe: true, cancellationToken).ConfigureAwait(false))
            {
                yield return key;
            }

            yield break;
        }

        await foreach (var page in RangePagesAsync(connection, scope, query.Prefix, delete: false, cancellationToken).ConfigureAwait(false))
        {
            foreach (var key in page.Members)
            {
                yield return key;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A prefix-only query inside one scope is deleted by the index script itself, a page at a time. Any other
    /// query lists candidates (index or SCAN), keeps exactly those that <see cref="KeyQuery.Matches(string)"/>, and
    /// UNLINKs them in batches of <see cref="RedisStorageOptions.BatchSize"/> with one script per node and batch.
    /// </remarks>
    public async ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = Ready(cancellationToken);
        var scope = ScopeOf(query.Prefix);
        long removed = 0;
        if (scope is not null && query.IsPrefixOnly)
        {
            await foreach (var page in RangePagesAsync(connection, scope, query.Prefix, delete: true, cancellationToken).ConfigureAwait(false))
            {
                removed += page.Count;
            }

            return removed;
        }

        var candidates = scope is null
            ? ScanKeysAsync(connection, query.Prefix, dedupe: true, cancellationToken)
            : ListKeysAsync(query, cancellationToken);
        var batch = new List<string>(_batchSize);
        await foreach (var key in candidates.ConfigureAwait(false))
        {
            if (!query.Matches(key))
            {
                continue;
            }

            batch.Add(key);
            if (batch.Count >= _batchSize)
            {
                removed += await RunBatchAsync(connection, RedisScripts.DeleteMany, batch, "UNLINK", cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            removed += await RunBatchAsync(connection, RedisScripts.DeleteMany, batch, "UNLINK", cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>
    /// Rebuilds the scope indexes from the data: SCANs every key under the key prefix on every primary (in batches of
    /// <see cref="RedisStorageOptions.BatchSize"/>), adds the ones missing from their scope's index (keys written by the
    /// Node.js package or by plain <c>SET</c>), then drops index entries whose key no longer exists. Costs one pass
    /// over the database; safe to run at any time, concurrently with other operations.
    /// </summary>
    /// <returns>How many keys were scanned, added to an index, and how many stale index entries were removed.</returns>
    public async Task<RedisReindexResult> ReindexAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await ReindexCoreAsync(Ready(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<RedisReindexResult> ReindexCoreAsync(Connection connection, CancellationToken cancellationToken)
    {
        long scanned = 0;
        long added = 0;
        long stale = 0;
        var batch = new List<string>(_batchSize);
        await foreach (var key in ScanKeysAsync(connection, string.Empty, dedupe: false, cancellationToken).ConfigureAwait(false))
        {
            scanned++;
            if (ScopeOf(key) is null)
            {
                continue;
            }

            batch.Add(key);
            if (batch.Count >= _batchSize)
            {
                added += await RunBatchAsync(connection, RedisScripts.Reindex, batch, "REINDEX", cancellationToken, registerSlots: true).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            added += await RunBatchAsync(connection, RedisScripts.Reindex, batch, "REINDEX", cancellationToken, registerSlots: true).ConfigureAwait(false);
        }

        var pattern = EscapeGlob(_indexPrefix) + "*";
        await foreach (var raw in ScanAsync(connection, pattern, "zset", cancellationToken).ConfigureAwait(false))
        {
            string indexKey;
            try
            {
                indexKey = StrictUtf8.GetString(raw);
            }
            catch (DecoderFallbackException)
            {
                continue;
            }

            var shard = new RangeShard(null, indexKey, string.Empty, NoTag, indexKey);
            byte[] all = [(byte)'-'];
            byte[] end = [(byte)'+'];
            var from = 0;
            var min = all;
            while (true)
            {
                var page = await RunRangeAsync(connection, shard, from, min, all, end, delete: false, cancellationToken).ConfigureAwait(false);
                stale += page.Count;
                if (page.Resume == 0)
                {
                    break;
                }

                from += page.Resume - 1;
                min = page.ResumeMin;
            }
        }

        return new RedisReindexResult(scanned, added, stale);
    }

    private readonly record struct RangeShard(IServer? Server, string Head, string Tail, string[] Tags, RedisKey RoutingKey);

    private readonly record struct RangePage(int Resume, byte[] ResumeMin, long Count, string[] Members);

    private async IAsyncEnumerable<RangePage> RangePagesAsync(
        Connection connection, string scope, string prefix, bool delete, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefixBytes = Encoding.UTF8.GetBytes(prefix);
        var baseMin = new byte[prefixBytes.Length + 1];
        baseMin[0] = (byte)'[';
        prefixBytes.CopyTo(baseMin, 1);

        // UTF-8 never contains 0xFF, so "(prefix\xFF" is just past every member that starts with prefix.
        var max = new byte[prefixBytes.Length + 2];
        max[0] = (byte)'(';
        prefixBytes.CopyTo(max, 1);
        max[^1] = 0xFF;

        foreach (var shard in await RangeShardsAsync(connection, scope, cancellationToken).ConfigureAwait(false))
        {
            var from = 0;
            var min = baseMin;
            while (true)
            {
                var page = await RunRangeAsync(connection, shard, from, min, baseMin, max, delete, cancellationToken).ConfigureAwait(false);
                yield return page;
                if (page.Resume == 0)
                {
                    break;
                }

                from += page.Resume - 1;
                min = page.ResumeMin;
            }
        }
    }

    private async Task<List<RangeShard>> RangeShardsAsync(Connection connection, string scope, CancellationToken cancellationToken)
    {
        if (!connection.PerSlot)
        {
            var indexKey = _indexPrefix + scope;
            return [new RangeShard(null, indexKey, string.Empty, NoTag, indexKey)];
        }

        // Only the slots recorded in the scope's directory can hold its index entries.
        var members = await RunAsync(connection.Database.SetMembersAsync(DirectoryKey(scope)), "SMEMBERS (slot directory)", cancellationToken).ConfigureAwait(false);
        var shards = new List<RangeShard>();
        if (members.Length == 0)
        {
            return shards;
        }

        var map = ClusterMap.Read(connection.Multiplexer, _where);
        var head = _indexPrefix + "{";
        var tail = "}" + scope;
        foreach (var group in members.Select(m => (int)m).Where(s => s is >= 0 and < RedisHashSlot.SlotCount).Distinct().GroupBy(map.OwnerOf))
        {
            shards.Add(new RangeShard(map.Primaries[group.Key].Server, head, tail, [.. group.Order().Select(RedisHashSlot.TagFor)], default));
        }

        return shards;
    }

    private async Task<RangePage> RunRangeAsync(
        Connection connection, RangeShard shard, int from, byte[] firstMin, byte[] baseMin, byte[] max, bool delete, CancellationToken cancellationToken)
    {
        var tagCount = shard.Tags.Length - from;
        var args = new RedisValue[8 + tagCount];
        args[0] = _keyPrefix;
        args[1] = shard.Head;
        args[2] = shard.Tail;
        args[3] = firstMin;
        args[4] = baseMin;
        args[5] = max;
        args[6] = _batchSize;
        args[7] = delete ? "1" : "0";
        for (var i = 0; i < tagCount; i++)
        {
            args[8 + i] = shard.Tags[from + i];
        }

        var operation = delete ? "UNLINK (scope)" : "ZRANGEBYLEX (scope index)";
        var result = shard.Server is null
            ? await RunAsync(connection.Database.ScriptEvaluateAsync(RedisScripts.Range, [shard.RoutingKey], args), operation, cancellationToken).ConfigureAwait(false)
            : await RunAsync(EvalOnServerAsync(shard.Server, RedisScripts.Range, args), operation, cancellationToken).ConfigureAwait(false);

        var items = (RedisResult[])result!;
        var members = new string[items.Length - 3];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = (string)items[i + 3]!;
        }

        return new RangePage((int)(long)items[0], (byte[])items[1]! ?? [], (long)items[2], members);
    }

    private static Task<RedisResult> EvalOnServerAsync(IServer server, string script, RedisValue[] args)
    {
        var command = new List<object>(args.Length + 2) { RedisScripts.CrossSlotShebang + script, 0 };
        foreach (var arg in args)
        {
            command.Add(arg);
        }

        return server.ExecuteAsync("EVAL", command);
    }

    // Runs a batch script (DeleteMany, Reindex) over physical keys: one script call in standalone mode or when every key
    // shares one slot, one call per primary in parallel with the per-slot index. Returns the sum of the scripts' counts.
    // With registerSlots (re-indexing), the slots are first recorded in their scopes' slot directories.
    private async Task<long> RunBatchAsync(
        Connection connection, string script, List<string> physicalKeys, string operation, CancellationToken cancellationToken, bool registerSlots = false)
    {
        if (!connection.PerSlot)
        {
            var args = new RedisValue[1 + (2 * physicalKeys.Count)];
            args[0] = _keyPrefix;
            for (var i = 0; i < physicalKeys.Count; i++)
            {
                var dataKey = _keyPrefix + physicalKeys[i];
                args[1 + (2 * i)] = physicalKeys[i];
                args[2 + (2 * i)] = IndexKeyOf(connection, physicalKeys[i], dataKey) ?? string.Empty;
            }

            RedisKey routing = _keyPrefix + physicalKeys[0];
            return (long)await RunAsync(connection.Database.ScriptEvaluateAsync(script, [routing], args), operation, cancellationToken).ConfigureAwait(false);
        }

        var map = ClusterMap.Read(connection.Multiplexer, _where);
        var groups = new Dictionary<int, List<RedisValue>>();
        var directories = registerSlots ? new Dictionary<string, HashSet<int>>(StringComparer.Ordinal) : null;
        foreach (var physical in physicalKeys)
        {
            var dataKey = _keyPrefix + physical;
            var slot = RedisHashSlot.Of(dataKey);
            var owner = map.OwnerOf(slot);
            if (!groups.TryGetValue(owner, out var group))
            {
                group = [_keyPrefix];
                groups.Add(owner, group);
            }

            var scope = ScopeOf(physical);
            group.Add(physical);
            group.Add(scope is null ? string.Empty : IndexKey(scope, slot));
            if (scope is not null && directories is not null)
            {
                if (!directories.TryGetValue(scope, out var slots))
                {
                    directories.Add(scope, slots = []);
                }

                slots.Add(slot);
            }
        }

        if (directories is not null)
        {
            await Task.WhenAll(directories.Select(d => RegisterSlotsAsync(connection, d.Key, d.Value, cancellationToken))).ConfigureAwait(false);
        }

        var calls = groups.Select(g => RunAsync(EvalOnServerAsync(map.Primaries[g.Key].Server, script, [.. g.Value]), operation, cancellationToken));
        var counts = await Task.WhenAll(calls).ConfigureAwait(false);
        return counts.Sum(r => (long)r);
    }

    // SCANs the data keys under the key prefix that start with the physical prefix, on the database (standalone) or
    // every primary (cluster), yielding the physical keys. Keys that are not UTF-8 cannot be ours and are skipped.
    private async IAsyncEnumerable<string> ScanKeysAsync(
        Connection connection, string physicalPrefix, bool dedupe, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pattern = EscapeGlob(_keyPrefix + physicalPrefix) + "*";
        var seen = dedupe ? new HashSet<string>(StringComparer.Ordinal) : null;
        await foreach (var raw in ScanAsync(connection, pattern, "string", cancellationToken).ConfigureAwait(false))
        {
            if (!raw.AsSpan().StartsWith(_keyPrefixBytes))
            {
                continue;
            }

            string physical;
            try
            {
                physical = StrictUtf8.GetString(raw, _keyPrefixBytes.Length, raw.Length - _keyPrefixBytes.Length);
            }
            catch (DecoderFallbackException)
            {
                continue;
            }

            if (physical.Length > 0 && (seen is null || seen.Add(physical)))
            {
                yield return physical;
            }
        }
    }

    private async IAsyncEnumerable<byte[]> ScanAsync(
        Connection connection, string pattern, string type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IServer?[] targets = connection.Cluster
            ? [.. ClusterMap.Read(connection.Multiplexer, _where).Primaries.Select(p => p.Server)]
            : [null];
        foreach (var server in targets)
        {
            RedisValue cursor = 0;
            do
            {
                object[] args = [cursor, "MATCH", pattern, "COUNT", _batchSize, "TYPE", type];
                var reply = server is null
                    ? await RunAsync(connection.Database.ExecuteAsync("SCAN", args), "SCAN", cancellationToken).ConfigureAwait(false)
                    : await RunAsync(server.ExecuteAsync("SCAN", args), "SCAN", cancellationToken).ConfigureAwait(false);
                var parts = (RedisResult[])reply!;
                cursor = (RedisValue)parts[0];
                foreach (var key in (RedisResult[])parts[1]!)
                {
                    yield return (byte[])key!;
                }
            }
            while (cursor != "0");
        }
    }

    // ------------------------------------------------------------------------------------------ health

    /// <inheritdoc />
    /// <remarks>Sends PING to the database (standalone) or to every primary (cluster); writes nothing.</remarks>
    public async ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var connection = Ready(cancellationToken);
        try
        {
            TimeSpan latency;
            int primaries;
            if (connection.Cluster)
            {
                var map = ClusterMap.Read(connection.Multiplexer, _where);
                var pings = await Task.WhenAll(map.Primaries.Select(p => RunAsync(p.Server.PingAsync(), "PING", cancellationToken))).ConfigureAwait(false);
                latency = pings.Max();
                primaries = pings.Length;
            }
            else
            {
                latency = await RunAsync(connection.Database.PingAsync(), "PING", cancellationToken).ConfigureAwait(false);
                primaries = 1;
            }

            var mode = connection.Cluster ? "cluster" : "standalone";
            var data = new Dictionary<string, object>
            {
                ["mode"] = mode,
                ["primaries"] = primaries,
                ["latencyMs"] = Math.Round(latency.TotalMilliseconds, 3),
                ["database"] = connection.DatabaseNumber,
                ["keyPrefix"] = _keyPrefix,
                ["perSlotIndex"] = connection.PerSlot,
            };
            return new StorageHealth(true,
                string.Create(CultureInfo.InvariantCulture, $"redis {mode} at {_where} answered PING in {latency.TotalMilliseconds:0.###} ms ({primaries} primary(s))"),
                data);
        }
        catch (StorageException ex)
        {
            return new StorageHealth(false, ex.Message);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private string DataKey(PhysicalKey key) => string.Concat(_keyPrefix, key.ScopePrefix, key.Key);

    // The scope of a physical key or prefix: its text up to and including the first ':', or null for a root-level key.
    private static string? ScopeOf(string physical)
    {
        var colon = physical.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
        return colon < 0 ? null : physical[..(colon + 1)];
    }

    private string? IndexKeyOf(Connection connection, string physical, string dataKey)
    {
        var scope = ScopeOf(physical);
        return scope is null ? null : IndexKey(scope, connection.PerSlot ? RedisHashSlot.Of(dataKey) : -1);
    }

    // The index of a scope: one sorted set, or (slot >= 0, per-slot layout) the one in that cluster slot.
    private string IndexKey(string scope, int slot)
        => slot < 0 ? _indexPrefix + scope : string.Concat(_indexPrefix, "{", RedisHashSlot.TagFor(slot), "}", scope);

    // The set of slot numbers that may hold index entries of a scope (per-slot layout). A scope cannot contain ':'
    // before its end, so this name never equals an index key.
    private string DirectoryKey(string scope) => string.Concat(_indexPrefix, ":slots:", scope);

    private bool IsRegistered(string scope, int slot) => _registeredSlots.TryGetValue(scope, out var slots) && slots.Contains(slot);

    private async Task RegisterSlotsAsync(Connection connection, string scope, IReadOnlyCollection<int> slots, CancellationToken cancellationToken)
    {
        var members = slots.Select(slot => (RedisValue)slot).ToArray();
        await RunAsync(connection.Database.SetAddAsync(DirectoryKey(scope), members), "SADD (slot directory)", cancellationToken).ConfigureAwait(false);
        var known = _registeredSlots.GetOrAdd(scope, static _ => new SlotSet());
        foreach (var slot in slots)
        {
            known.Add(slot);
        }
    }

    // A lock-free set of cluster slots.
    private sealed class SlotSet
    {
        private readonly long[] _bits = new long[RedisHashSlot.SlotCount / 64];

        public bool Contains(int slot) => (Volatile.Read(ref _bits[slot >> 6]) & (1L << (slot & 63))) != 0;

        public void Add(int slot) => Interlocked.Or(ref _bits[slot >> 6], 1L << (slot & 63));
    }

    // Escapes Redis glob metacharacters so that MATCH treats the text literally.
    internal static string EscapeGlob(string text)
    {
        if (text.AsSpan().IndexOfAny("*?[]\\") < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private async Task<T> RunAsync<T>(Task<T> task, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Observe(task);
            throw;
        }
        catch (Exception ex) when (Translate(ex, operation) is { } mapped)
        {
            Observe(task);
            throw mapped;
        }
    }

    private StorageException? Translate(Exception exception, string operation) => exception switch
    {
        TimeoutException => new StorageUnavailableException(
            string.Create(CultureInfo.InvariantCulture,
                $"Redis at {_where} did not complete {operation} within {_timeout.TotalSeconds:0.###} s (OperationTimeout); it may be down or overloaded."),
            SafeInner(exception)),
        RedisConnectionException connection => new StorageUnavailableException(
            $"Redis at {_where} is unavailable ({connection.FailureType}); {operation} failed. {Scrub(FirstLine(connection.Message))}", SafeInner(exception)),
        RedisServerException server when IsTransient(server.Message) => new StorageUnavailableException(
            $"Redis at {_where} cannot serve {operation} right now: {Scrub(FirstLine(server.Message))}", SafeInner(exception)),
        RedisException redis => new StorageException($"Redis rejected {operation}: {Scrub(FirstLine(redis.Message))}", SafeInner(exception)),
        _ => null,
    };

    private static bool IsTransient(string message)
        => message.StartsWith("LOADING", StringComparison.Ordinal)
        || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("MOVED", StringComparison.Ordinal)
        || message.StartsWith("ASK", StringComparison.Ordinal)
        || message.StartsWith("NOREPLICAS", StringComparison.Ordinal)
        || message.Contains("non local key", StringComparison.Ordinal);

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    // Error texts never carry the password; this is a second line of defence for messages we did not write.
    private string Scrub(string message)
        => _password is { Length: > 0 } secret ? message.Replace(secret, "***", StringComparison.Ordinal) : message;

    private Exception? SafeInner(Exception exception)
        => _password is { Length: > 0 } secret && exception.ToString().Contains(secret, StringComparison.Ordinal) ? null : exception;

    private static void Observe(Task task)
        => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static void DisposeWhenDone(Task<ConnectionMultiplexer> connect)
        => connect.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    // The primaries of a cluster and the slots each owns, from the client's current view of the topology.
    private sealed class ClusterMap
    {
        private readonly int[] _owners;

        private ClusterMap(int[] owners, List<(IServer Server, int[] Slots)> primaries)
        {
            _owners = owners;
            Primaries = primaries;
        }

        public List<(IServer Server, int[] Slots)> Primaries { get; }

        public int OwnerOf(int slot) => _owners[slot];

        public static ClusterMap Read(IConnectionMultiplexer multiplexer, string where)
        {
            var configuration = multiplexer.GetServers().Where(s => s.IsConnected).Select(s => s.ClusterConfiguration).FirstOrDefault(c => c is not null)
                ?? throw new StorageUnavailableException($"No Redis Cluster node is connected ({where}).");
            var owners = new int[RedisHashSlot.SlotCount];
            Array.Fill(owners, -1);
            var primaries = new List<(IServer Server, int[] Slots)>();
            foreach (var node in configuration.Nodes)
            {
                if (node.IsReplica || node.EndPoint is null || node.Slots.Count == 0)
                {
                    continue;
                }

                var slots = new List<int>();
                foreach (var range in node.Slots)
                {
                    for (var slot = range.From; slot <= range.To; slot++)
                    {
                        owners[slot] = primaries.Count;
                        slots.Add(slot);
                    }
                }

                primaries.Add((multiplexer.GetServer(node.EndPoint), [.. slots]));
            }

            if (Array.IndexOf(owners, -1) is var missing and >= 0)
            {
                throw new StorageUnavailableException(
                    string.Create(CultureInfo.InvariantCulture, $"The Redis Cluster at {where} does not cover every hash slot (slot {missing} has no primary)."));
            }

            return new ClusterMap(owners, primaries);
        }
    }
}

/// <summary>What <see cref="RedisStorageBackend.ReindexAsync"/> did.</summary>
/// <param name="KeysScanned">Data keys seen under the key prefix (SCAN may report a key twice).</param>
/// <param name="KeysIndexed">Keys that were missing from their scope index and were added.</param>
/// <param name="StaleEntriesRemoved">Index entries removed because their key no longer exists.</param>
public sealed record RedisReindexResult(long KeysScanned, long KeysIndexed, long StaleEntriesRemoved);
