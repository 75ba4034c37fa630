using ObjectOS.Storage.Redis;
using StackExchange.Redis;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>
/// Faults on a redis-server process of the test's own: killed (SIGKILL) and restarted on the same port, frozen
/// (SIGSTOP), wrong credentials, nothing listening. Operations fail with typed exceptions instead of hanging, never
/// report a write that did not happen, and the same StoragePlugin works again after the restart.
/// </summary>
public sealed class RedisFaultTests
{
    // Generous bound for "did not hang"; the operation timeout itself is much shorter. Not a duration assertion.
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);

    private static RedisStorageOptions Options(RedisServerProcess server, string? password = null, string? user = null) => new()
    {
        Host = "127.0.0.1",
        Port = server.Port,
        Password = password,
        User = user,
        KeyPrefix = RedisTestServers.UniquePrefix(),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        OperationTimeout = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task A_killed_server_fails_operations_fast_and_the_same_storage_recovers_after_restart()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var storage = new StoragePlugin(new RedisStorageBackend(Options(server)));
        var scoped = storage.GetScopedStorage("app");
        await scoped.SetAsync("before", "kept");

        await server.KillAsync();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.SetAsync("during", "lost").AsTask().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.GetAsync<string>("before").AsTask().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.DeleteAsync("before").AsTask().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.KeysAsync().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.ClearAsync().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.KeysAsync().WaitAsync(NoHang));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.GetTimeToLiveAsync("before").AsTask().WaitAsync(NoHang));
        var health = await storage.CheckHealthAsync().AsTask().WaitAsync(NoHang);
        Assert.False(health.IsHealthy);

        await server.RestartAsync();
        await EventuallyAsync(async () => await scoped.ExistsAsync("before"));

        Assert.Equal("kept", await scoped.GetAsync<string>("before"));
        Assert.False(await scoped.ExistsAsync("during"));
        await scoped.SetAsync("after", 1);
        Assert.Equal(["after", "before"], await scoped.KeysAsync());
        Assert.True((await storage.CheckHealthAsync()).IsHealthy);
        Assert.Equal(2, await scoped.ClearAsync());
    }

    [Fact]
    public async Task A_frozen_server_fails_operations_within_the_operation_timeout_and_recovers()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var storage = new StoragePlugin(new RedisStorageBackend(Options(server)));
        var scoped = storage.GetScopedStorage("app");
        await scoped.SetAsync("k", 1);

        await server.SignalAsync("STOP");
        try
        {
            var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.GetAsync<int>("k").AsTask().WaitAsync(NoHang));
            Assert.Contains("OperationTimeout", ex.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => scoped.KeysAsync().WaitAsync(NoHang));
        }
        finally
        {
            await server.SignalAsync("CONT");
        }

        await EventuallyAsync(async () => await scoped.GetAsync<int>("k") == 1);
    }

    [Fact]
    public async Task A_server_that_is_down_at_start_up_fails_with_storage_unavailable_and_works_once_it_is_up()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await server.KillAsync();
        await using var storage = new StoragePlugin(new RedisStorageBackend(Options(server)));

        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.SetAsync("k", 1).AsTask().WaitAsync(NoHang));
        Assert.Contains($"127.0.0.1:{server.Port}", ex.Message, StringComparison.Ordinal);
        Assert.False((await storage.CheckHealthAsync().AsTask().WaitAsync(NoHang)).IsHealthy);

        await server.RestartAsync();
        await storage.SetAsync("k", 1); // initialisation is retried on the next operation
        Assert.Equal(1, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public async Task A_wrong_password_fails_start_up_with_a_configuration_error_that_does_not_reveal_it()
    {
        const string password = "Wr0ng-Pa55word-7f3a";
        await using var server = await RedisServerProcess.StartAsync("--requirepass", "right-password");
        await using var storage = new StoragePlugin(new RedisStorageBackend(Options(server, password)));

        var ex = await Assert.ThrowsAsync<StorageConfigurationException>(() => storage.SetAsync("k", 1).AsTask().WaitAsync(NoHang));
        Assert.Contains("credentials", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, ex.ToString(), StringComparison.Ordinal);
        var health = await storage.CheckHealthAsync().AsTask().WaitAsync(NoHang);
        Assert.False(health.IsHealthy);
        Assert.DoesNotContain(password, health.Description, StringComparison.Ordinal);

        var connectionString = $"127.0.0.1:{server.Port},password={password}";
        var viaString = new RedisStorageOptions { ConnectionString = connectionString, KeyPrefix = RedisTestServers.UniquePrefix(), ConnectTimeout = TimeSpan.FromSeconds(2) };
        Assert.DoesNotContain(password, viaString.ToString(), StringComparison.Ordinal);
        await using var storage2 = new StoragePlugin(new RedisStorageBackend(viaString));
        var ex2 = await Assert.ThrowsAsync<StorageConfigurationException>(() => storage2.SetAsync("k", 1).AsTask().WaitAsync(NoHang));
        Assert.DoesNotContain(password, ex2.ToString(), StringComparison.Ordinal);

        await using var good = new StoragePlugin(new RedisStorageBackend(Options(server, "right-password")));
        await good.SetAsync("k", 1);
        Assert.Equal(1, await good.GetAsync<int>("k"));
    }

    [Fact]
    public async Task An_acl_user_connects_with_its_password_and_is_refused_with_a_wrong_one()
    {
        await using var server = await RedisServerProcess.StartAsync("--requirepass", "admin-password");
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port},password=admin-password,allowAdmin=true"))
        {
            await admin.GetServers()[0].ExecuteAsync("ACL", "SETUSER", "app", "on", ">app-password", "~*", "&*", "+@all");
        }

        await using var storage = new StoragePlugin(new RedisStorageBackend(Options(server, "app-password", "app")));
        await storage.GetScopedStorage("p").SetAsync("k", 1);
        Assert.Equal(["k"], await storage.GetScopedStorage("p").KeysAsync());

        var viaString = new RedisStorageOptions
        {
            ConnectionString = $"127.0.0.1:{server.Port},user=app,password=app-password",
            KeyPrefix = RedisTestServers.UniquePrefix(),
        };
        await using var storage2 = new StoragePlugin(new RedisStorageBackend(viaString));
        await storage2.SetAsync("k", 2);
        Assert.Equal(2, await storage2.GetAsync<int>("k"));

        await using var refused = new StoragePlugin(new RedisStorageBackend(Options(server, "not-the-app-password", "app")));
        var ex = await Assert.ThrowsAsync<StorageConfigurationException>(() => refused.SetAsync("k", 1).AsTask().WaitAsync(NoHang));
        Assert.Contains("user 'app'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-app-password", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_host_fails_start_up_with_storage_unavailable()
    {
        var port = FreePort();
        await using var storage = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Password = "secret-not-shown",
            ConnectTimeout = TimeSpan.FromSeconds(1),
        }));

        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.GetAsync<int>("k").AsTask().WaitAsync(NoHang));
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-not-shown", ex.ToString(), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Retries until the condition holds; the reconnect takes a moment after the server is back.
    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if (await condition().WaitAsync(NoHang))
                {
                    return;
                }
            }
            catch (StorageUnavailableException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "the storage did not recover after the server came back");
            await Task.Delay(100);
        }
    }
}

/// <summary>TLS: a TLS-only redis-server with a certificate from a test CA, reached with Ssl = true or ssl=true.</summary>
public sealed class RedisTlsTests
{
    private static (string Cert, string Key, string Ca) WriteCertificates(string dir)
    {
        using var caKey = System.Security.Cryptography.RSA.Create(2048);
        var caRequest = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=objectos-test-ca", caKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var serverKey = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=localhost", serverKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var server = request.Create(ca, now.AddDays(-1), now.AddDays(1), [1, 2, 3, 4, 5, 6, 7, 8]);

        var paths = (Path.Combine(dir, "server.crt"), Path.Combine(dir, "server.key"), Path.Combine(dir, "ca.crt"));
        File.WriteAllText(paths.Item1, server.ExportCertificatePem());
        File.WriteAllText(paths.Item2, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(paths.Item3, ca.ExportCertificatePem());
        return paths;
    }

    [Fact]
    public async Task Tls_connections_work_with_the_ssl_option_and_the_connection_string()
    {
        string? caPath = null;
        await using var server = await RedisServerProcess.StartTlsAsync(dir =>
        {
            var files = WriteCertificates(dir);
            caPath = files.Ca;
            return files;
        });

        await using var storage = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Ssl = true,
            KeyPrefix = RedisTestServers.UniquePrefix(),
            ConfigureConnection = c => c.TrustIssuer(caPath!),
        }));
        await storage.GetScopedStorage("tls").SetAsync("k", "secret");
        Assert.Equal("secret", await storage.GetScopedStorage("tls").GetAsync<string>("k"));
        Assert.Equal(["tls:k"], await storage.KeysAsync());

        await using var viaString = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            ConnectionString = $"127.0.0.1:{server.Port},ssl=true,sslHost=localhost",
            KeyPrefix = RedisTestServers.UniquePrefix(),
            ConfigureConnection = c => c.TrustIssuer(caPath!),
        }));
        await viaString.SetAsync("k", 1);
        Assert.Equal(1, await viaString.GetAsync<int>("k"));

        await using var plain = new StoragePlugin(new RedisStorageBackend(new RedisStorageOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            KeyPrefix = RedisTestServers.UniquePrefix(),
            ConnectTimeout = TimeSpan.FromSeconds(1),
        }));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => plain.SetAsync("k", 1).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
