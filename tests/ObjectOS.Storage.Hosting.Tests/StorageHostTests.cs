using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ObjectOS.Runtime;
using ObjectOS.Storage.Diagnostics;
using ObjectOS.Storage.Sqlite;
using Xunit.Abstractions;

namespace ObjectOS.Storage.Hosting.Tests;

public sealed class StorageHostTests(ITestOutputHelper output)
{
    private sealed record Config(string Theme);

    [Fact]
    public async Task Memory_backend_from_configuration_serves_the_application()
    {
        using var host = TestHosts.Build(new Dictionary<string, string?>
        {
            ["Storage:Backend"] = "Memory",
            ["Storage:Memory:MaxKeys"] = "50",
        });
        await host.StartAsync();

        var storage = host.Services.GetRequiredService<IStorageService>();
        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        Assert.Same(plugin, storage);
        var instrumented = Assert.IsType<InstrumentedStorageBackend>(plugin.Backend);
        var memory = Assert.IsType<MemoryStorageBackend>(instrumented.InnerBackend);
        Assert.Equal(50, memory.Options.MaxKeys);
        Assert.Equal("memory", plugin.Backend.Name);

        await storage.SetAsync("greeting", new Config("dark"));
        Assert.Equal(new Config("dark"), await storage.GetAsync<Config>("greeting"));

        await host.StopAsync();
    }

    [Fact]
    public async Task The_selected_backends_settings_may_stand_directly_in_the_storage_section()
    {
        using var temp = new TempDirectory();
        var path = temp.File("flat/store.db");
        using (var host = TestHosts.Build(new Dictionary<string, string?>
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:Path"] = path,
            ["Storage:Synchronous"] = "Normal",
        }))
        {
            await host.StartAsync();
            var plugin = host.Services.GetRequiredService<StoragePlugin>();
            var sqlite = Assert.IsType<SqliteStorageBackend>(Assert.IsType<InstrumentedStorageBackend>(plugin.Backend).InnerBackend);
            Assert.Equal(path, sqlite.Options.Path);
            Assert.Equal(SqliteSynchronousMode.Normal, sqlite.Options.Synchronous);
            await plugin.SetAsync("k", 1);
            await host.StopAsync();
        }

        Assert.True(File.Exists(path));

        // A backend setting for a backend that is not selected is still an unknown setting.
        using var wrong = TestHosts.Build(new Dictionary<string, string?> { ["Storage:Backend"] = "Memory", ["Storage:Path"] = path });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => wrong.StartAsync());
        Assert.Contains("Storage:Path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Memory", "memory")]
    [InlineData("Sqlite", "sqlite")]
    [InlineData("sqlite", "sqlite")]
    public async Task The_operator_switches_backend_in_configuration_only(string backend, string expectedName)
    {
        using var temp = new TempDirectory();
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:Backend"] = backend,
            ["Storage:Sqlite:Path"] = temp.File("store.db"),
            ["Storage:Sqlite:Synchronous"] = "Normal",
        };

        using var host = TestHosts.Build(configuration);
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();
        Assert.Equal(expectedName, host.Services.GetRequiredService<StoragePlugin>().Backend.Name);
        await storage.GetScopedStorage("my-plugin").SetAsync("config", new Config("dark"));
        Assert.Equal(["my-plugin:config"], await storage.KeysAsync());
        await host.StopAsync();

        Assert.Equal(expectedName == "sqlite", File.Exists(temp.File("store.db")));
    }

    [Fact]
    public async Task Sqlite_data_survives_a_host_restart()
    {
        using var temp = new TempDirectory();
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:Sqlite:Path"] = temp.File("data/storage.db"),
            ["Storage:Sqlite:BusyTimeout"] = "00:00:02",
        };

        using (var first = TestHosts.Build(configuration))
        {
            await first.StartAsync();
            var options = first.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SqliteStorageOptions>>().Value;
            Assert.Equal(TimeSpan.FromSeconds(2), options.BusyTimeout);
            var scoped = first.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage("my-plugin");
            await scoped.SetAsync("config", new Config("dark"));
            await first.StopAsync();
        }

        using var second = TestHosts.Build(configuration);
        await second.StartAsync();
        var again = second.Services.GetRequiredService<IPluginStorageFactory>().GetScopedStorage("my-plugin");
        Assert.Equal(new Config("dark"), await again.GetAsync<Config>("config"));
        await second.StopAsync();
    }

    [Fact]
    public async Task The_configuration_example_of_the_docs_binds_completely()
    {
        const string json = """
            {
              "Storage": {
                "Backend": "Memory",
                "MaxValueBytes": 1048576,
                "MaxKeyLength": 1024,
                "InitializeOnStart": true,
                "Metrics": { "Enabled": true, "IncludePluginIdTag": false },
                "Memory": { "MaxKeys": 10000, "TtlCheckInterval": "00:01:00" },
                "Sqlite": {
                  "Path": "./data/storage.db",
                  "Wal": true,
                  "Synchronous": "Full",
                  "BusyTimeout": "00:00:05",
                  "SweepInterval": "00:01:00"
                },
                "Redis": {
                  "Host": "127.0.0.1",
                  "Port": 6379,
                  "Password": "set-me-from-a-secret-store",
                  "Database": 0,
                  "KeyPrefix": "objectos:storage:",
                  "ConnectTimeout": "00:00:05",
                  "OperationTimeout": "00:00:05"
                }
              }
            }
            """;
        var builder = TestHosts.NewBuilder();
        builder.Configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        builder.Services.AddObjectOSStorage(builder.Configuration.GetSection("Storage"));
        using var host = builder.Build();
        await host.StartAsync();

        var sqlite = host.Services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value;
        Assert.Equal(SqliteSynchronousMode.Full, sqlite.Synchronous);
        Assert.Equal(TimeSpan.FromSeconds(5), sqlite.BusyTimeout);
        var redis = host.Services.GetRequiredService<IOptions<ObjectOS.Storage.Redis.RedisStorageOptions>>().Value;
        Assert.Equal("set-me-from-a-secret-store", redis.Password);
        Assert.Equal(0, redis.Database);
        Assert.DoesNotContain("set-me", redis.ToString(), StringComparison.Ordinal);
        Assert.Equal(1048576, host.Services.GetRequiredService<StoragePlugin>().Options.MaxValueBytes);
        await host.StopAsync();
    }

    [Fact]
    public async Task Redis_backend_from_configuration_serves_the_application()
    {
        if (TestHosts.RedisServer() is not { } redis)
        {
            output.WriteLine("OBJECTOS_REDIS is not set: skipping the Redis hosting assertions (scripts/test.sh sets it).");
            return;
        }

        var prefix = $"hosting-test-{Guid.NewGuid():N}:";
        using var host = TestHosts.Build(new Dictionary<string, string?>
        {
            ["Storage:Backend"] = "Redis",
            ["Storage:Redis:Host"] = redis.Host,
            ["Storage:Redis:Port"] = redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Storage:Redis:KeyPrefix"] = prefix,
        });
        await host.StartAsync();
        var storage = host.Services.GetRequiredService<IStorageService>();
        Assert.Equal("redis", host.Services.GetRequiredService<StoragePlugin>().Backend.Name);
        var scoped = storage.GetScopedStorage("my-plugin");
        await scoped.SetAsync("config", new Config("dark"), TimeSpan.FromMinutes(1));
        Assert.Equal(new Config("dark"), await scoped.GetAsync<Config>("config"));
        Assert.Equal(["my-plugin:config"], await storage.KeysAsync());
        Assert.Equal(1, await storage.ClearAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task Builder_calls_override_configuration()
    {
        using var temp = new TempDirectory();
        var path = temp.File("code.db");
        using var host = TestHosts.Build(
            new Dictionary<string, string?> { ["Storage:Backend"] = "Memory", ["Storage:MaxValueBytes"] = "1000" },
            storage => storage
                .UseSqlite(o => o.Path = path)
                .WithOptions(o => o.MaxKeyLength = 10));
        await host.StartAsync();

        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        Assert.Equal("sqlite", plugin.Backend.Name);
        Assert.Equal(1000, plugin.Options.MaxValueBytes);
        Assert.Equal(10, plugin.Options.MaxKeyLength);
        await Assert.ThrowsAsync<StorageValueTooLargeException>(async () => await plugin.SetAsync("big", new string('x', 2000)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await plugin.SetAsync("a-key-longer-than-ten", 1));
        Assert.True(File.Exists(path));
        await host.StopAsync();
    }

    [Fact]
    public async Task Code_only_registration_without_configuration()
    {
        var builder = TestHosts.NewBuilder();
        builder.Services.AddObjectOSStorage(storage => storage.UseMemory(o => o.MaxKeys = 3));
        using var host = builder.Build();
        await host.StartAsync();
        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        for (var i = 0; i < 3; i++)
        {
            await plugin.SetAsync($"k{i}", i);
        }

        await Assert.ThrowsAsync<StorageQuotaExceededException>(async () => await plugin.SetAsync("k3", 3));
        await host.StopAsync();
    }

    [Fact]
    public async Task Works_in_a_plain_service_provider_without_a_host()
    {
        var services = new ServiceCollection();
        services.AddObjectOSStorage().UseMemory().WithOptions(o => o.ServiceName = "kv");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var storage = provider.GetRequiredService<IStorageService>();
        await storage.SetAsync("k", 1); // Opens the backend on first use.
        Assert.Equal(1, await storage.GetAsync<int>("k"));
        Assert.Equal("kv", provider.GetRequiredService<StoragePlugin>().Options.ServiceName);
    }

    [Fact]
    public async Task Custom_backend_is_owned_by_the_storage()
    {
        var builder = TestHosts.NewBuilder();
        MemoryStorageBackend? created = null;
        builder.Services.AddObjectOSStorage().UseBackend(_ => created = new MemoryStorageBackend());
        using var host = builder.Build();
        await host.StartAsync();
        var plugin = host.Services.GetRequiredService<StoragePlugin>();
        Assert.Same(created, ((InstrumentedStorageBackend)plugin.Backend).InnerBackend);
        await host.StopAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await plugin.SetAsync("after-stop", 1));
    }

    [Fact]
    public async Task Plugins_get_services_bound_to_their_own_scope()
    {
        using var host = TestHosts.Build(new Dictionary<string, string?> { ["Storage:Backend"] = "Memory" },
            storage => storage.WithOptions(o => o.AccessPolicy.GrantScopeAccess("reporting", "billing")));
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IPluginStorageFactory>();

        var billing = factory.GetServiceForPlugin("billing");
        await billing.GetScopedStorage("billing").SetAsync("invoice:1", 42);
        Assert.Throws<StorageAccessDeniedException>(() => billing.GetScopedStorage("auth"));
        await Assert.ThrowsAsync<StorageAccessDeniedException>(async () => await billing.KeysAsync());

        // Granted by the host's policy.
        var reporting = factory.GetServiceForPlugin("reporting");
        Assert.Equal(42, await reporting.GetScopedStorage("billing").GetAsync<int>("invoice:1"));

        // Keyed services: [FromKeyedServices("billing")] IScopedStorage / IStorageService.
        var keyedScope = host.Services.GetRequiredKeyedService<IScopedStorage>("billing");
        Assert.Equal("billing", keyedScope.PluginId);
        Assert.Equal(["invoice:1"], await keyedScope.KeysAsync());
        var keyedService = host.Services.GetRequiredKeyedService<IStorageService>("billing");
        Assert.Same(billing, keyedService);
        Assert.Throws<StorageAccessDeniedException>(() => keyedService.GetScopedStorage("reporting"));

        // The application's unkeyed service has full access.
        Assert.Equal(["billing:invoice:1"], await host.Services.GetRequiredService<IStorageService>().KeysAsync());
        await host.StopAsync();
    }

    [Fact]
    public async Task The_seed_usage_runs_with_the_hosted_storage_in_a_kernel()
    {
        using var temp = new TempDirectory();
        using var host = TestHosts.Build(new Dictionary<string, string?>
        {
            ["Storage:Backend"] = "Sqlite",
            ["Storage:Sqlite:Path"] = temp.File("kernel.db"),
        });
        await host.StartAsync();

        var os = new ObjectOSKernel();
        await os.RegisterPluginAsync(host.Services.GetRequiredService<StoragePlugin>());
        var mine = new MyPlugin();
        await os.RegisterPluginAsync(mine);
        await os.StartAsync();
        Assert.Equal(new Config("dark"), mine.Config);
        Assert.Equal(["config"], mine.Keys);
        Assert.Equal(["my-plugin:session"], await host.Services.GetRequiredService<IStorageService>().KeysAsync());
        await os.StopAsync();
        await host.StopAsync();
    }

    private sealed class MyPlugin : IPlugin
    {
        public string Name => "my-plugin";

        public string Version => "1.0.0";

        public Config? Config { get; private set; }

        public IReadOnlyList<string>? Keys { get; private set; }

        public async Task InitAsync(IPluginContext context)
        {
            var storage = context.GetService<IStorageService>("storage");
            var scoped = storage.GetScopedStorage("my-plugin");
            await scoped.SetAsync("config", new Config("dark"));
            Config = await scoped.GetAsync<Config>("config");
            await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
            Keys = await scoped.KeysAsync("config*");
            Assert.True(await scoped.DeleteAsync("config"));
        }
    }
}
