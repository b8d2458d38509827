using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dilemma.Tests.Ai;

/// <summary>The <c>Ai</c> settings: defaults that need nothing, and a wrong value named at start-up without echoing the key.</summary>
public sealed class AiSettingsTests
{
    [Fact]
    public void With_nothing_configured_the_facilitator_is_offline_with_the_documented_defaults()
    {
        var settings = AiSettings.Read(Configuration());

        Assert.Equal(AiRules.OfflineProvider, settings.Provider);
        Assert.False(settings.UsesOpenAi);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.Timeout);
        Assert.Equal(4, settings.MaxConcurrentCalls);
        Assert.Equal(8_000, settings.MaxTranscriptCharacters);
        var breaker = settings.CircuitBreaker;
        Assert.Equal((0.5, 4, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30)), (breaker.FailureRatio, breaker.MinimumThroughput, breaker.SamplingDuration, breaker.BreakDuration));
    }

    [Fact]
    public void The_openai_provider_takes_any_model_and_base_url()
    {
        var settings = AiSettings.Read(Configuration(
            ("Ai:Provider", "OpenAI"),
            ("Ai:OpenAi:ApiKey", "sk-local"),
            ("Ai:OpenAi:BaseUrl", "http://localhost:11434/v1"),
            ("Ai:OpenAi:Model", "llama3.1:8b-instruct")));

        Assert.True(settings.UsesOpenAi);
        Assert.Equal("llama3.1:8b-instruct", settings.OpenAi!.Model);
        var options = OpenAiFacilitator.ClientOptions(settings.OpenAi);
        Assert.Equal("http://localhost:11434/", options.BaseDomain);
        Assert.Equal("v1", options.ApiVersion);
        Assert.Equal(OpenAiSettings.DefaultModel, AiSettings.Read(Configuration(("Ai:Provider", "openai"), ("Ai:OpenAi:ApiKey", "k"))).OpenAi!.Model);
    }

    [Fact]
    public void A_base_url_with_a_deeper_path_and_azure_deployments_map_to_the_client()
    {
        var proxied = OpenAiFacilitator.ClientOptions(AiSettings.Read(Configuration(("Ai:Provider", "openai"), ("Ai:OpenAi:ApiKey", "k"), ("Ai:OpenAi:BaseUrl", "https://gw.example/llm/openai/v1/"))).OpenAi!);
        var azure = OpenAiFacilitator.ClientOptions(AiSettings.Read(Configuration(("Ai:Provider", "openai"), ("Ai:OpenAi:ApiKey", "k"), ("Ai:OpenAi:BaseUrl", "https://res.openai.azure.com"), ("Ai:OpenAi:AzureDeployment", "gpt4"))).OpenAi!);

        Assert.Equal(("https://gw.example/llm/openai/", "v1"), (proxied.BaseDomain, proxied.ApiVersion));
        Assert.Equal(Betalgo.Ranul.OpenAI.ProviderType.Azure, azure.ProviderType);
        Assert.Equal(("https://res.openai.azure.com/", "gpt4", OpenAiSettings.DefaultAzureApiVersion), (azure.BaseDomain, azure.DeploymentId, azure.ApiVersion));
    }

    [Theory]
    [InlineData("Ai:Provider", "gpt")]
    [InlineData("Ai:TimeoutSeconds", "0")]
    [InlineData("Ai:TimeoutSeconds", "26")]
    [InlineData("Ai:TimeoutSeconds", "twenty")]
    [InlineData("Ai:MaxConcurrentCalls", "0")]
    [InlineData("Ai:MaxTranscriptCharacters", "20001")]
    [InlineData("Ai:CircuitBreaker:FailureRatio", "1.5")]
    [InlineData("Ai:CircuitBreaker:MinimumThroughput", "1")]
    [InlineData("Ai:OpenAi:BaseUrl", "ftp://example/v1")]
    [InlineData("Ai:OpenAi:BaseUrl", "http://localhost:8000")]
    public void A_wrong_value_names_its_setting(string key, string value)
    {
        // What the host prints: one line that starts with the setting and names its environment variable.
        var line = ConfigurationErrors.Describe(Assert.ThrowsAny<Exception>(() => AiSettings.Read(Configuration((key, value)))));

        Assert.NotNull(line);
        Assert.StartsWith(key + " ", line, StringComparison.Ordinal);
        Assert.Contains(key.Replace(":", "__", StringComparison.Ordinal), line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_openai_provider_without_a_key_stops_start_up_and_a_key_is_never_printed()
    {
        var missing = ConfigurationErrors.Describe(Assert.Throws<OptionsValidationException>(() => AiSettings.Read(Configuration(("Ai:Provider", "openai")))));
        var settings = AiSettings.Read(Configuration(("Ai:Provider", "openai"), ("Ai:OpenAi:ApiKey", "sk-very-secret-123")));

        Assert.StartsWith("Ai:OpenAi:ApiKey ", missing, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-very-secret-123", settings.OpenAi!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-very-secret-123", settings.ToString(), StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
