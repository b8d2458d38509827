using System.Globalization;
using Dilemma.Gateway.Hosting;
using Microsoft.Extensions.Configuration;
using MySqlConnector;
using StackExchange.Redis;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// docker-compose.yml, interpolated from .env.example as <c>docker compose</c> would, held against the code: each
/// app container's environment (over its image's ENV) must start the real host, and names and ports must meet.
/// </summary>
public sealed class ComposeTests
{
    private static readonly string[] Silos = ["silo-1", "silo-2"];
    private static readonly string[] Gateways = ["gateway-1", "gateway-2"];

    private readonly Dictionary<string, string> _example = Repository.ReadExampleAsSet(".env.example");
    private readonly ComposeFile _compose;

    public ComposeTests()
    {
        _compose = ComposeFile.Load(_example);
    }

    [Fact]
    public void Every_variable_compose_needs_is_in_the_env_example_and_the_real_env_is_never_committed()
    {
        Assert.Empty(_compose.UsedVariables.Except(_example.Keys));
        Assert.Empty(_example.Keys.Except(_compose.UsedVariables));
        Assert.Contains(".env", File.ReadAllLines(Repository.PathOf(".gitignore")).Select(l => l.Trim()));
        Assert.Throws<InvalidOperationException>(() => ComposeFile.Load(_example.Where(p => p.Key != "AUTH_JWT_KEY").ToDictionary()));
    }

    [Fact]
    public void The_stack_is_MySQL_8_Redis_7_a_migration_two_silos_two_gateways_and_nginx()
    {
        Assert.StartsWith("mysql:8", (string)_compose.Service("mysql")["image"]!, StringComparison.Ordinal);
        Assert.StartsWith("redis:7", (string)_compose.Service("redis")["image"]!, StringComparison.Ordinal);
        Assert.StartsWith("nginx:", (string)_compose.Service("nginx")["image"]!, StringComparison.Ordinal);
        foreach (var (service, dockerfile) in Silos.Append("migrate").Select(s => (s, "Dockerfile.silo")).Concat(Gateways.Select(g => (g, "Dockerfile.gateway"))))
        {
            var build = ComposeFile.Map(_compose.Service(service)["build"]);
            Assert.Equal(".", build["context"]);
            Assert.Equal(dockerfile, build["dockerfile"]);
        }

        Assert.Equal(["migrate"], ComposeFile.Strings(_compose.Service("migrate")["command"]));
        Assert.Equal("no", _compose.Service("migrate")["restart"]);
    }

    [Fact]
    public void The_migration_runs_once_before_any_silo_and_silos_do_not_migrate_again()
    {
        Assert.Equal("service_healthy", Condition("migrate", "mysql"));
        foreach (var silo in Silos)
        {
            Assert.Equal("service_completed_successfully", Condition(silo, "migrate"));
            Assert.Equal("service_healthy", Condition(silo, "redis"));
            Assert.Equal("false", _compose.Environment(silo)["Database__MigrateOnStart"]);
        }

        // What `migrate` reads: the connection string and nothing else.
        var migrate = Repository.AsConfiguration(_compose.Environment("migrate"));
        Assert.NotNull(Dilemma.Hosting.ConnectionStringSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(migrate).Build()).RequireMySql());
    }

    [Fact]
    public async Task Silos_start_with_what_compose_and_their_image_give_them_and_shut_down_within_the_grace_period()
    {
        foreach (var silo in Silos)
        {
            var view = await AppHosts.SiloAsync(ContainerEnvironment(silo, "Dockerfile.silo"));

            Assert.Equal(_compose.Environment(silo)["Cluster__ServiceId"], view.Cluster.ServiceId);
            Assert.Equal(11111, view.Endpoints.SiloPort);
            Assert.Equal(30000, view.Endpoints.GatewayPort);
            Assert.True(view.Host.ShutdownTimeout < Duration((string)_compose.Service(silo)["stop_grace_period"]!), $"{silo}: the host's shutdown timeout must end before Docker's SIGKILL");
            // The host reads DOTNET_SHUTDOWNTIMEOUTSECONDS; Orleans needs that time to hand its grains over.
            Assert.Equal(TimeSpan.FromSeconds(int.Parse(_compose.Environment(silo)["DOTNET_SHUTDOWNTIMEOUTSECONDS"], CultureInfo.InvariantCulture)), view.Host.ShutdownTimeout);
            Assert.True(view.Host.ShutdownTimeout >= TimeSpan.FromSeconds(30), $"{silo}: Orleans needs time to hand grains over");
        }
    }

    [Fact]
    public void Gateways_start_in_cluster_mode_with_the_silos_ids_and_a_real_signing_key()
    {
        var silo = _compose.Environment("silo-1");
        foreach (var gateway in Gateways)
        {
            var view = AppHosts.Gateway(ContainerEnvironment(gateway, "Dockerfile.gateway"));

            Assert.Equal(GatewayMode.Cluster, view.Mode);
            Assert.Equal(silo["Cluster__ServiceId"], view.Cluster.ServiceId);
            Assert.Equal(silo["Cluster__ClusterId"], view.Cluster.ClusterId);
            Assert.Equal(silo["ConnectionStrings__Redis"], view.Connections.Redis);
            Assert.False(view.Jwt.KeyWasGenerated);
            Assert.Equal("service_healthy", Condition(gateway, "silo-1"));
            Assert.Equal("service_healthy", Condition(gateway, "silo-2"));
        }

        Assert.Equal(_compose.Environment("gateway-1")["Auth__JwtKey"], _compose.Environment("gateway-2")["Auth__JwtKey"]);
    }

    [Fact]
    public void Connection_strings_name_the_database_and_Redis_services_with_their_passwords()
    {
        var mysql = _compose.Environment("mysql");
        var redisCommand = ComposeFile.Strings(_compose.Service("redis")["command"]);
        foreach (var service in Silos.Append("migrate"))
        {
            var connection = new MySqlConnectionStringBuilder(_compose.Environment(service)["ConnectionStrings__MySql"]);
            Assert.Equal("mysql", connection.Server);
            Assert.Equal(3306u, connection.Port);
            Assert.Equal(mysql["MYSQL_DATABASE"], connection.Database);
            Assert.Equal(mysql["MYSQL_USER"], connection.UserID);
            Assert.Equal(mysql["MYSQL_PASSWORD"], connection.Password);
        }

        foreach (var service in Silos.Concat(Gateways))
        {
            var redis = ConfigurationOptions.Parse(_compose.Environment(service)["ConnectionStrings__Redis"]);
            Assert.Equal("redis:6379", Assert.Single(redis.EndPoints).ToString()?.Replace("Unspecified/", "", StringComparison.Ordinal));
            Assert.Equal(redisCommand[redisCommand.IndexOf("--requirepass") + 1], redis.Password);
        }
    }

    /// <summary>Running silos never write their membership rows again: a Redis restart must find the table on disk (#16).</summary>
    [Fact]
    public void Redis_keeps_the_membership_table_in_an_append_only_file_on_a_volume()
    {
        var redis = _compose.Service("redis");
        var command = ComposeFile.Strings(redis["command"]);
        Assert.Equal("yes", command[command.IndexOf("--appendonly") + 1]);
        Assert.Contains("redis-data:/data", ComposeFile.Strings(redis["volumes"]));
    }

    [Fact]
    public void Every_dependency_waited_on_as_healthy_has_a_health_check()
    {
        foreach (var (service, definition) in _compose.Services)
        {
            if (!ComposeFile.Map(definition).TryGetValue("depends_on", out var dependsOn))
            {
                continue;
            }

            foreach (var (dependency, condition) in ComposeFile.Map(dependsOn).Where(d => (string)ComposeFile.Map(d.Value)["condition"]! == "service_healthy"))
            {
                _ = condition;
                var target = _compose.Service(dependency);
                var hasOwn = target.ContainsKey("healthcheck");
                var fromImage = target.TryGetValue("build", out var build)
                    && Dockerfile.Load((string)ComposeFile.Map(build)["dockerfile"]!).Final.Any(i => i.Keyword == "HEALTHCHECK");
                Assert.True(hasOwn || fromImage, $"{service} waits for {dependency} to be healthy, which has no health check");
            }
        }
    }

    [Fact]
    public void App_containers_have_a_read_only_root_a_tmpfs_for_tmp_and_no_capabilities()
    {
        foreach (var service in Silos.Concat(Gateways).Append("migrate"))
        {
            var definition = _compose.Service(service);
            Assert.Equal("true", definition["read_only"]);
            Assert.Equal(["/tmp"], ComposeFile.Strings(definition["tmpfs"]));
            Assert.Equal(["ALL"], ComposeFile.Strings(definition["cap_drop"]));
            Assert.Contains("no-new-privileges:true", ComposeFile.Strings(definition["security_opt"]));
            Assert.False(definition.ContainsKey("user"), $"{service} overrides the image's unprivileged user");
            Assert.False(definition.ContainsKey("ports"), $"{service} publishes ports; only nginx should");
        }
    }

    [Fact]
    public void Nginx_gets_every_template_variable_and_reaches_both_gateways_on_their_HTTP_port()
    {
        var nginx = _compose.Service("nginx");
        var environment = _compose.Environment("nginx");
        var gatewayPort = Dockerfile.Load("Dockerfile.gateway").FinalEnvironment["ASPNETCORE_HTTP_PORTS"];

        foreach (var variable in NginxSite.TemplateVariables())
        {
            Assert.True(environment.ContainsKey(variable), $"nginx has no {variable} for its templates");
            Assert.Matches(environment["NGINX_ENVSUBST_FILTER"], variable);
        }

        Assert.Equal(Gateways.Select(g => $"{g}:{gatewayPort}"), new[] { environment["DILEMMA_GATEWAY_1"], environment["DILEMMA_GATEWAY_2"] });
        Assert.Contains("./nginx/templates:/etc/nginx/templates:ro", ComposeFile.Strings(nginx["volumes"]));
        Assert.Equal(["80:80", "443:443"], ComposeFile.Strings(nginx["ports"]));
        Assert.Equal(["80", "443"], new[] { environment["DILEMMA_HTTP_LISTEN"], environment["DILEMMA_HTTPS_LISTEN"] });
        Assert.Contains(environment["DILEMMA_TLS"], new[] { "on", "off" });
    }

    /// <summary>What a container sees: its image's ENV, then the service's environment over it.</summary>
    private Dictionary<string, string> ContainerEnvironment(string service, string dockerfile)
    {
        var environment = Dockerfile.Load(dockerfile).FinalEnvironment;
        foreach (var (key, value) in _compose.Environment(service))
        {
            environment[key] = value;
        }

        return environment;
    }

    private string Condition(string service, string dependency) =>
        (string)ComposeFile.Map(ComposeFile.Map(_compose.Service(service)["depends_on"])[dependency])["condition"]!;

    private static TimeSpan Duration(string text) =>
        text.EndsWith('s') ? TimeSpan.FromSeconds(int.Parse(text[..^1], CultureInfo.InvariantCulture)) : throw new FormatException(text);
}
