using ObjectOS.Runtime;

namespace ObjectOS.Storage.Tests;

public sealed class StoragePluginTests
{
    [Fact]
    public async Task The_default_constructor_uses_the_memory_backend()
    {
        await using var storage = new StoragePlugin();
        Assert.IsType<MemoryStorageBackend>(storage.Backend);
        Assert.Equal("@objectos/storage", storage.Name);
        await storage.SetAsync("k", 1);
        Assert.Equal(1, await storage.GetAsync<int>("k"));
    }

    [Fact]
    public async Task The_seed_usage_compiles_and_runs_as_written()
    {
        var storage = new StoragePlugin(new MemoryStorageBackend(new MemoryStorageOptions
        {
            MaxKeys = 10_000,
            TtlCheckInterval = TimeSpan.FromMinutes(1),
        }));
        var plugin = new SeedPlugin();
        var os = new ObjectOSKernel();
        await os.RegisterPluginAsync(storage);
        await os.RegisterPluginAsync(plugin);
        await os.StartAsync();
        Assert.Equal(new Config("dark"), plugin.Read);
        Assert.Empty(plugin.Keys!);
        Assert.True(plugin.Removed);
        await os.StopAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.SetAsync("k", 1));
    }

    private sealed record Config(string Theme);

    private sealed class SeedPlugin : IPlugin
    {
        public string Name => "my-plugin";

        public string Version => "1.0.0";

        public Config? Read { get; private set; }

        public IReadOnlyList<string>? Keys { get; private set; }

        public bool Removed { get; private set; }

        public async Task InitAsync(IPluginContext context)
        {
            var storage = context.GetService<IStorageService>("storage");
            var scoped = storage.GetScopedStorage("my-plugin");
            await scoped.SetAsync("config", new Config("dark"));
            Config? config = await scoped.GetAsync<Config>("config");
            await scoped.SetAsync("session", new { user = "john" }, TimeSpan.FromSeconds(60));
            IReadOnlyList<string> keys = await scoped.KeysAsync("config:*");
            bool removed = await scoped.DeleteAsync("config");
            await scoped.ClearAsync();
            (Read, Keys, Removed) = (config, keys, removed);
        }
    }

    [Fact]
    public async Task The_service_name_is_configurable_and_defaults_to_storage()
    {
        var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new StoragePlugin(new MemoryStorageBackend(), new StoragePluginOptions { ServiceName = "kv" }));
        await kernel.StartAsync();
        Assert.IsType<StoragePlugin>(kernel.GetService<IStorageService>("kv"));
        Assert.Throws<ServiceNotFoundException>(() => kernel.GetService<IStorageService>("storage"));
        await kernel.StopAsync();
    }

    [Fact]
    public void Options_are_validated_in_setters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoragePluginOptions { MaxKeyLength = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoragePluginOptions { MaxValueBytes = -1 });
        Assert.Throws<ArgumentException>(() => new StoragePluginOptions { ServiceName = " " });
        Assert.Throws<ArgumentException>(() => new StoragePluginOptions { PluginName = "" });
    }

    [Fact]
    public void Validation_messages_name_the_problem()
    {
        var ex = Assert.Throws<ArgumentException>(() => StorageValidation.ValidatePluginId("a:b"));
        Assert.Contains("':' at index 1", ex.Message, StringComparison.Ordinal);
        var ttl = Assert.Throws<ArgumentOutOfRangeException>(() => StorageValidation.ValidateTimeToLive(TimeSpan.Zero));
        Assert.Contains("positive", ttl.Message, StringComparison.Ordinal);
        Assert.True(StorageValidation.IsValidPluginId("@objectos/auth"));
        Assert.False(StorageValidation.IsValidPluginId("a b"));
        Assert.Equal(1, StorageValidation.ToExpiryMilliseconds(TimeSpan.FromTicks(1)));
        Assert.Equal(1501, StorageValidation.ToExpiryMilliseconds(TimeSpan.FromMilliseconds(1500.1)));
    }

    [Fact]
    public async Task Plugin_services_are_cached_per_plugin()
    {
        await using var storage = new StoragePlugin();
        Assert.Same(storage.GetServiceForPlugin("a"), storage.GetServiceForPlugin("a"));
        Assert.NotSame(storage.GetServiceForPlugin("a"), storage.GetServiceForPlugin("b"));
    }
}
