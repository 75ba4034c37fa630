namespace ObjectOS.Runtime.Tests;

/// <summary>Per-consumer services: each plugin's context resolves a service for that plugin, the kernel for the host.</summary>
public sealed class ContextIsolationTests
{
    private static TestPlugin Provider(EventLog log, List<ServiceConsumer> calls) => new("provider", log)
    {
        OnInit = ctx =>
        {
            ctx.RegisterService("bound", consumer =>
            {
                lock (calls)
                {
                    calls.Add(consumer);
                }

                return new ConsumerBoundService(consumer);
            });
            return Task.CompletedTask;
        },
    };

    [Fact]
    public async Task Each_plugin_context_resolves_a_per_consumer_service_for_its_own_plugin()
    {
        var log = new EventLog();
        var calls = new List<ServiceConsumer>();
        var seen = new Dictionary<string, ConsumerBoundService>();
        await using var kernel = new ObjectOSKernel();
        foreach (var name in new[] { "a", "@objectos/auth", "com.acme.crm" })
        {
            await kernel.RegisterPluginAsync(new TestPlugin(name, log, "provider")
            {
                OnInit = ctx => { seen[name] = ctx.GetService<ConsumerBoundService>("bound"); return Task.CompletedTask; },
            });
        }

        await kernel.RegisterPluginAsync(Provider(log, calls));

        await kernel.StartAsync();

        Assert.Equal(3, seen.Count);
        foreach (var (name, service) in seen)
        {
            Assert.Equal(new ServiceConsumer(name), service.Consumer);
            Assert.Equal(name, service.Consumer.PluginName);
            Assert.False(service.Consumer.IsHost);
        }

        Assert.NotSame(seen["a"], seen["com.acme.crm"]);
    }

    [Fact]
    public async Task The_provider_itself_is_a_consumer_with_its_own_name()
    {
        var log = new EventLog();
        var calls = new List<ServiceConsumer>();
        var provider = Provider(log, calls);
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(provider);
        await kernel.StartAsync();

        var service = provider.Contexts[0].GetService<ConsumerBoundService>("bound");

        Assert.Equal(new ServiceConsumer("provider"), service.Consumer);
    }

    [Fact]
    public async Task The_host_resolves_a_per_consumer_service_as_ServiceConsumer_Host()
    {
        var log = new EventLog();
        var calls = new List<ServiceConsumer>();
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(Provider(log, calls));
        await kernel.StartAsync();

        var service = kernel.GetService<ConsumerBoundService>("bound");
        Assert.True(kernel.TryGetService<ConsumerBoundService>("bound", out var tried));

        Assert.Same(ServiceConsumer.Host, service.Consumer);
        Assert.True(service.Consumer.IsHost);
        Assert.Null(service.Consumer.PluginName);
        Assert.True(tried.Consumer.IsHost);
        Assert.All(calls, c => Assert.True(c.IsHost));
    }

    [Fact]
    public async Task TryGetService_through_a_context_resolves_for_that_plugin()
    {
        var log = new EventLog();
        var calls = new List<ServiceConsumer>();
        ConsumerBoundService? seen = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(Provider(log, calls));
        await kernel.RegisterPluginAsync(new TestPlugin("reader", log)
        {
            OnStart = ctx => { ctx.TryGetService<ConsumerBoundService>("bound", out seen); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        Assert.Equal(new ServiceConsumer("reader"), seen?.Consumer);
    }

    [Fact]
    public async Task A_context_kept_after_init_keeps_resolving_for_its_plugin_and_never_as_the_host()
    {
        var log = new EventLog();
        var calls = new List<ServiceConsumer>();
        var a = new TestPlugin("a", log);
        var b = new TestPlugin("b", log);
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(Provider(log, calls));
        await kernel.RegisterPluginAsync(a);
        await kernel.RegisterPluginAsync(b);
        await kernel.StartAsync();
        calls.Clear();

        var forA = a.Contexts[0].GetService<ConsumerBoundService>("bound");
        var forB = b.Contexts[0].GetService<ConsumerBoundService>("bound");
        var forHost = kernel.GetService<ConsumerBoundService>("bound");

        Assert.Equal("a", forA.Consumer.PluginName);
        Assert.Equal("b", forB.Consumer.PluginName);
        Assert.True(forHost.Consumer.IsHost);
        Assert.Equal([new ServiceConsumer("a"), new ServiceConsumer("b"), ServiceConsumer.Host], calls);
    }

    [Fact]
    public async Task A_per_consumer_factory_can_refuse_some_consumers()
    {
        var log = new EventLog();
        Exception? refused = null;
        Counter? allowed = null;
        await using var kernel = new ObjectOSKernel();
        await kernel.RegisterPluginAsync(new TestPlugin("vault", log)
        {
            OnInit = ctx =>
            {
                ctx.RegisterService("secret", consumer => consumer.IsHost || consumer.PluginName == "trusted"
                    ? new Counter { Value = 42 }
                    : throw new UnauthorizedAccessException($"'{consumer.PluginName}' may not use the vault."));
                return Task.CompletedTask;
            },
        });
        await kernel.RegisterPluginAsync(new TestPlugin("trusted", log, "vault")
        {
            OnInit = ctx => { allowed = ctx.GetService<Counter>("secret"); return Task.CompletedTask; },
        });
        await kernel.RegisterPluginAsync(new TestPlugin("untrusted", log, "vault")
        {
            OnInit = ctx => { refused = Record.Exception(() => ctx.GetService<Counter>("secret")); return Task.CompletedTask; },
        });

        await kernel.StartAsync();

        Assert.Equal(42, allowed?.Value);
        Assert.Contains("'untrusted'", Assert.IsType<UnauthorizedAccessException>(refused).Message, StringComparison.Ordinal);
        Assert.Equal(42, kernel.GetService<Counter>("secret").Value);
    }

    [Fact]
    public void ServiceConsumer_equality_and_host_identity()
    {
        Assert.Equal(new ServiceConsumer("a"), new ServiceConsumer("a"));
        Assert.NotEqual(new ServiceConsumer("a"), new ServiceConsumer("A"));
        Assert.Equal(ServiceConsumer.Host, new ServiceConsumer(null));
        Assert.Same(ServiceConsumer.Host, ServiceConsumer.Host);
        Assert.True(ServiceConsumer.Host.IsHost);
        Assert.False(new ServiceConsumer("a").IsHost);
    }

    [Fact]
    public async Task Two_kernels_do_not_share_services()
    {
        await using var first = new ObjectOSKernel();
        await using var second = new ObjectOSKernel();
        first.RegisterService("counter", new Counter());

        second.RegisterService("counter", new Counter());

        Assert.NotSame(first.GetService<Counter>("counter"), second.GetService<Counter>("counter"));
        Assert.Throws<ServiceNotFoundException>(() => second.GetService<Counter>("only-first"));
    }
}
