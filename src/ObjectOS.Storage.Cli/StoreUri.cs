using System.Globalization;
using System.Text;

namespace ObjectOS.Storage.Cli;

/// <summary>The kind of backend a store URI names.</summary>
internal enum StoreKind
{
    Memory,
    Sqlite,
    Redis,
}

/// <summary>One Redis endpoint of a store URI.</summary>
internal sealed record RedisEndpoint(string Host, int Port)
{
    /// <summary>The endpoint as StackExchange.Redis writes it (<c>host:port</c>, IPv6 hosts in brackets).</summary>
    public override string ToString()
        => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// A parsed store URI: <c>memory:</c>, <c>sqlite:PATH</c> (<c>sqlite:///abs/path</c> for an absolute path) or
/// <c>redis[s]://[user[:password]@]host[:port][,host[:port]...][/db][?query]</c>. <see cref="Redacted"/> is the only
/// form that may be shown to a person: it never contains the password.
/// </summary>
internal sealed class StoreUri
{
    /// <summary>The store used when neither <c>--store</c> nor <c>OBJECTOS_STORAGE</c> names one.</summary>
    public const string Default = "sqlite:./data/storage.db";

    /// <summary>The environment variable that names the store when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "OBJECTOS_STORAGE";

    /// <summary>The Redis port used when a host gives none.</summary>
    public const int DefaultRedisPort = 6379;

    private static readonly string[] SqliteParameters = ["wal", "timeout"];
    private static readonly string[] MemoryParameters = ["maxKeys"];
    private static readonly string[] RedisParameters =
        ["prefix", "connectTimeout", "timeout", "syncTimeout", "ssl", "tls", "sslHost", "name", "reindex"];

    private StoreUri(StoreKind kind, string redacted)
    {
        Kind = kind;
        Redacted = redacted;
    }

    /// <summary>Which backend the URI names.</summary>
    public StoreKind Kind { get; }

    /// <summary>The URI with any password replaced by <c>***</c>: safe for messages and output.</summary>
    public string Redacted { get; }

    /// <summary>The SQLite file path, as given (relative paths are relative to the working directory).</summary>
    public string? Path { get; private init; }

    /// <summary>The Redis endpoints, in the order given.</summary>
    public IReadOnlyList<RedisEndpoint> Endpoints { get; private init; } = [];

    /// <summary>The Redis ACL user name, if any.</summary>
    public string? User { get; private init; }

    /// <summary>The Redis password, if any. Never print it.</summary>
    public string? Password { get; private init; }

    /// <summary>The Redis database number, if given.</summary>
    public int? Database { get; private init; }

    /// <summary>Whether the Redis connection uses TLS (<c>rediss://</c> or <c>?ssl=true</c>).</summary>
    public bool Tls { get; private init; }

    /// <summary>The query parameters, keyed case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; private init; } = new Dictionary<string, string>();

    /// <summary>The secrets that must never reach the screen: the password, raw and as written in the URI.</summary>
    public IReadOnlyList<string> Secrets { get; private init; } = [];

    /// <summary>A query parameter, or <see langword="null"/>.</summary>
    public string? GetParameter(string name) => Parameters.TryGetValue(name, out var value) ? value : null;

    /// <summary>A boolean query parameter (<c>true/false/1/0/yes/no</c>), or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">The value is not a boolean.</exception>
    public bool? GetBoolean(string name)
    {
        var value = GetParameter(name);
        return value switch
        {
            null => null,
            _ when value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("yes", StringComparison.OrdinalIgnoreCase) => true,
            _ when value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0" || value.Equals("no", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new ArgumentException($"Bad store URI '{Redacted}': parameter '{name}' must be true or false, not '{value}'."),
        };
    }

    /// <summary>A duration query parameter (<c>500ms</c>, <c>5s</c>, a TimeSpan), or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">The value is not a duration.</exception>
    public TimeSpan? GetDuration(string name)
    {
        var value = GetParameter(name);
        if (value is null)
        {
            return null;
        }

        return Duration.TryParse(value, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw new ArgumentException($"Bad store URI '{Redacted}': parameter '{name}' must be a positive duration such as 500ms or 5s, not '{value}'.");
    }

    /// <summary>Parses a store URI.</summary>
    /// <exception cref="ArgumentException">The URI is malformed; the message never contains the password.</exception>
    public static StoreUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException("Bad store URI: it is empty. Use memory:, sqlite:PATH or redis://host:port.");
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? text[..colon].ToLowerInvariant() : string.Empty;
        return scheme switch
        {
            "memory" => ParseMemory(text, text[(colon + 1)..]),
            "sqlite" => ParseSqlite(text, text[(colon + 1)..]),
            "redis" or "rediss" => ParseRedis(text, scheme == "rediss", text[(colon + 1)..]),
            _ => throw new ArgumentException(
                $"Bad store URI '{RedactUnparsed(text)}': unknown scheme. Use memory:, sqlite:PATH (e.g. sqlite:./data/storage.db) " +
                "or redis://host:port[/db] (user and password go before the host: user:password@host)."),
        };
    }

    /// <summary>A best-effort redaction of text that could not be parsed: anything between <c>://</c>'s user info colon and <c>@</c> is hidden.</summary>
    public static string RedactUnparsed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var at = text.LastIndexOf('@');
        if (at <= start)
        {
            return text;
        }

        var userColon = text.IndexOf(':', start);
        return userColon >= 0 && userColon < at
            ? string.Concat(text.AsSpan(0, userColon + 1), "***", text.AsSpan(at))
            : text;
    }

    private static StoreUri ParseMemory(string text, string rest)
    {
        var (body, query) = SplitQuery(rest);
        if (body.Trim('/').Length != 0)
        {
            throw new ArgumentException($"Bad store URI '{text}': memory: takes no path (use memory: or memory:?maxKeys=100000).");
        }

        var parameters = ParseQuery(text, query, MemoryParameters);
        return new StoreUri(StoreKind.Memory, text) { Parameters = parameters };
    }

    private static StoreUri ParseSqlite(string text, string rest)
    {
        var (body, query) = SplitQuery(rest);
        string path;
        if (body.StartsWith("///", StringComparison.Ordinal))
        {
            path = body[2..]; // sqlite:///abs/path -> /abs/path
        }
        else if (body.StartsWith("//", StringComparison.Ordinal))
        {
            path = body[2..]; // sqlite://data/x.db -> data/x.db
        }
        else
        {
            path = body;
        }

        path = Uri.UnescapeDataString(path);
        if (path.Length == 0)
        {
            throw new ArgumentException($"Bad store URI '{text}': sqlite: needs a file path, e.g. sqlite:./data/storage.db or sqlite:///var/lib/objectos/storage.db.");
        }

        if (path.AsSpan().IndexOfAny('\0', '\n', '\r') >= 0)
        {
            throw new ArgumentException($"Bad store URI '{text}': the file path contains a control character.");
        }

        var parameters = ParseQuery(text, query, SqliteParameters);
        return new StoreUri(StoreKind.Sqlite, text) { Path = path, Parameters = parameters };
    }

    private static StoreUri ParseRedis(string text, bool tls, string rest)
    {
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Bad store URI '{RedactUnparsed(text)}': write redis://host:port (two slashes after the scheme).");
        }

        rest = rest[2..];
        var (body, query) = SplitQuery(rest);
        var slash = body.IndexOf('/', body.LastIndexOf('@') + 1);
        var authority = slash < 0 ? body : body[..slash];
        var pathPart = slash < 0 ? string.Empty : body[(slash + 1)..];

        string? user = null;
        string? password = null;
        string? rawPassword = null;
        var at = authority.LastIndexOf('@');
        var hostsPart = authority;
        if (at >= 0)
        {
            var userInfo = authority[..at];
            hostsPart = authority[(at + 1)..];
            var userColon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (userColon >= 0)
            {
                user = Unescape(userInfo[..userColon]);
                rawPassword = userInfo[(userColon + 1)..];
                password = Unescape(rawPassword);
            }
            else
            {
                // redis://secret@host is the password-only form many Redis clients accept.
                rawPassword = userInfo;
                password = Unescape(userInfo);
            }

            if (user?.Length == 0)
            {
                user = null;
            }

            if (password?.Length == 0)
            {
                password = null;
                rawPassword = null;
            }
        }

        var redacted = BuildRedactedRedis(tls, user, password is not null, hostsPart, pathPart, query);
        var secrets = new List<string>();
        if (password is not null)
        {
            secrets.Add(password);
            if (rawPassword is not null && rawPassword != password)
            {
                secrets.Add(rawPassword);
            }
        }

        var endpoints = ParseEndpoints(redacted, hostsPart);
        int? database = null;
        var dbText = pathPart.Trim('/');
        if (dbText.Length > 0)
        {
            if (!int.TryParse(dbText, NumberStyles.None, CultureInfo.InvariantCulture, out var db) || db > 10_000)
            {
                throw new ArgumentException($"Bad store URI '{redacted}': the path must be a database number such as /0, not '/{dbText}'.");
            }

            database = db;
        }

        var parameters = ParseQuery(redacted, query, RedisParameters);
        var probe = new StoreUri(StoreKind.Redis, redacted) { Parameters = parameters };
        return new StoreUri(StoreKind.Redis, redacted)
        {
            Endpoints = endpoints,
            User = user,
            Password = password,
            Database = database,
            Parameters = parameters,
            Secrets = secrets,
            Tls = tls || (probe.GetBoolean("ssl") ?? probe.GetBoolean("tls") ?? false),
        };
    }

    private static string BuildRedactedRedis(bool tls, string? user, bool hasPassword, string hosts, string path, string? query)
    {
        var builder = new StringBuilder(tls ? "rediss://" : "redis://");
        if (user is not null || hasPassword)
        {
            builder.Append(user is null ? string.Empty : Uri.EscapeDataString(user));
            if (hasPassword)
            {
                builder.Append(":***");
            }

            builder.Append('@');
        }

        builder.Append(hosts);
        if (path.Length > 0)
        {
            builder.Append('/').Append(path);
        }

        if (query is not null)
        {
            builder.Append('?').Append(query);
        }

        return builder.ToString();
    }

    private static List<RedisEndpoint> ParseEndpoints(string redacted, string hostsPart)
    {
        if (hostsPart.Length == 0)
        {
            throw new ArgumentException($"Bad store URI '{redacted}': no host. Write redis://host:port, e.g. redis://localhost:6379/0.");
        }

        var endpoints = new List<RedisEndpoint>();
        foreach (var item in hostsPart.Split(','))
        {
            var part = item.Trim();
            string host;
            string? portText = null;
            if (part.StartsWith('['))
            {
                var close = part.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new ArgumentException($"Bad store URI '{redacted}': unclosed '[' in IPv6 host '{part}'.");
                }

                host = part[1..close];
                var after = part[(close + 1)..];
                if (after.Length > 0)
                {
                    portText = after.StartsWith(':') ? after[1..] : throw new ArgumentException($"Bad store URI '{redacted}': unexpected '{after}' after host '{part}'.");
                }
            }
            else
            {
                var colon = part.LastIndexOf(':');
                host = colon < 0 ? part : part[..colon];
                portText = colon < 0 ? null : part[(colon + 1)..];
            }

            if (host.Length == 0)
            {
                throw new ArgumentException($"Bad store URI '{redacted}': empty host in '{hostsPart}'.");
            }

            var port = DefaultRedisPort;
            if (portText is not null &&
                (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                throw new ArgumentException($"Bad store URI '{redacted}': port '{portText}' is not a number from 1 to 65535.");
            }

            endpoints.Add(new RedisEndpoint(Unescape(host), port));
        }

        return endpoints;
    }

    private static (string Body, string? Query) SplitQuery(string rest)
    {
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (rest, null) : (rest[..q], rest[(q + 1)..]);
    }

    private static Dictionary<string, string> ParseQuery(string redacted, string? query, string[] allowed)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(query))
        {
            return result;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Unescape(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "true" : Unescape(pair[(eq + 1)..]);
            var known = Array.Find(allowed, a => a.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                throw new ArgumentException(
                    $"Bad store URI '{redacted}': unknown parameter '{name}'. Known parameters: {string.Join(", ", allowed)}.");
            }

            result[known] = value;
        }

        return result;
    }

    private static string Unescape(string text) => text.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(text) : text;

    /// <summary>The redacted form.</summary>
    public override string ToString() => Redacted;
}
