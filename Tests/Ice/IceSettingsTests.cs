using Dilemma.Gateway.Ice;
using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Ice;

/// <summary>A wrong <c>Ice</c> setting stops start-up with the one line naming it (<see cref="ConfigurationErrors"/>).</summary>
public sealed class IceSettingsTests
{
    private const string Secret = "a-coturn-secret-long-enough";

    public static TheoryData<string, string[]> WrongSettings => new()
    {
        { "Ice:Provider", ["Ice:Provider=galaxy"] },
        { "Ice:Provider", ["Ice:Provider=1"] },
        { "Ice:ProbeStun", ["Ice:ProbeStun=sometimes"] },
        { "Ice:StunUrls:0", ["Ice:StunUrls:0=turn:127.0.0.1:3478"] },
        { "Ice:StunUrls:1", ["Ice:StunUrls:0=stun:127.0.0.1", "Ice:StunUrls:1=stun:"] },
        { "Ice:Coturn:Secret", ["Ice:Provider=coturn", "Ice:Coturn:Urls:0=turn:127.0.0.1:3478"] },
        { "Ice:Coturn:Secret", ["Ice:Provider=coturn", "Ice:Coturn:Urls:0=turn:127.0.0.1:3478", "Ice:Coturn:Secret=short"] },
        { "Ice:Coturn:Urls", ["Ice:Provider=coturn", $"Ice:Coturn:Secret={Secret}"] },
        { "Ice:Coturn:Urls:0", ["Ice:Provider=coturn", $"Ice:Coturn:Secret={Secret}", "Ice:Coturn:Urls:0=http://127.0.0.1:3478"] },
        { "Ice:Coturn:Urls:1", ["Ice:Provider=coturn", $"Ice:Coturn:Secret={Secret}", "Ice:Coturn:Urls:0=turn:127.0.0.1", "Ice:Coturn:Urls:1=turn:127.0.0.1:3478?transport=sctp"] },
        { "Ice:Coturn:TtlSeconds", ["Ice:Provider=coturn", $"Ice:Coturn:Secret={Secret}", "Ice:Coturn:Urls:0=turn:127.0.0.1", "Ice:Coturn:TtlSeconds=0"] },
        { "Ice:Coturn:TtlSeconds", ["Ice:Provider=coturn", $"Ice:Coturn:Secret={Secret}", "Ice:Coturn:Urls:0=turn:127.0.0.1", "Ice:Coturn:TtlSeconds=a week"] },
        { "Ice:Twilio:AccountSid", ["Ice:Provider=twilio"] },
        { "Ice:Twilio:AccountSid", ["Ice:Provider=twilio", "Ice:Twilio:AccountSid=AC123", "Ice:Twilio:AuthToken=token"] },
        { "Ice:Twilio:ApiKeySid", ["Ice:Provider=twilio", $"Ice:Twilio:AccountSid={FakeTwilio.AccountSid}"] },
        { "Ice:Twilio:ApiKeySecret", ["Ice:Provider=twilio", $"Ice:Twilio:AccountSid={FakeTwilio.AccountSid}", $"Ice:Twilio:ApiKeySid={FakeTwilio.ApiKeySid}"] },
        { "Ice:Twilio:BaseUrl", ["Ice:Provider=twilio", $"Ice:Twilio:AccountSid={FakeTwilio.AccountSid}", "Ice:Twilio:AuthToken=token", "Ice:Twilio:BaseUrl=ftp://127.0.0.1/"] },
        { "Ice:Twilio:TtlSeconds", ["Ice:Provider=twilio", $"Ice:Twilio:AccountSid={FakeTwilio.AccountSid}", "Ice:Twilio:AuthToken=token", "Ice:Twilio:TtlSeconds=90000"] },
        // Any coturn setting beside Twilio makes coturn the fallback, so it must be complete.
        { "Ice:Coturn:Secret", ["Ice:Provider=twilio", $"Ice:Twilio:AccountSid={FakeTwilio.AccountSid}", "Ice:Twilio:AuthToken=token", "Ice:Coturn:Urls:0=turn:127.0.0.1"] },
    };

    [Theory]
    [MemberData(nameof(WrongSettings))]
    public void A_wrong_ice_setting_stops_start_up_naming_it(string setting, string[] pairs)
    {
        var line = Refusal(pairs);

        Assert.StartsWith(setting + " ", line, StringComparison.Ordinal);
        Assert.Contains(setting.Replace(":", "__", StringComparison.Ordinal), line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_secret_is_reported_by_length_not_by_value()
    {
        var line = Refusal(["Ice:Provider=coturn", "Ice:Coturn:Urls:0=turn:127.0.0.1", "Ice:Coturn:Secret=tiny-secret"]);

        Assert.StartsWith("Ice:Coturn:Secret ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_stun_with_one_public_server_and_no_probe()
    {
        var settings = IceSettings.Read(Builder([]).Configuration);

        Assert.Equal(IceProviderKind.Stun, settings.ProviderKind);
        Assert.Equal([IceSettings.DefaultStunUrl], settings.StunServers.Select(url => url.Text));
        Assert.False(settings.ProbeStun);
        Assert.Null(settings.ActiveCoturn);
        Assert.Null(settings.ActiveTwilio);
    }

    [Fact]
    public void Coturn_settings_are_read_with_their_defaults()
    {
        var settings = IceSettings.Read(Builder(["Ice:Provider=Coturn", $"Ice:Coturn:Secret={Secret}", "Ice:Coturn:Urls=turn:[::1]:3479?transport=tcp, turn:turn.example.org"]).Configuration);

        var coturn = Assert.IsType<CoturnSettings>(settings.ActiveCoturn);
        Assert.Equal(CoturnSettings.DefaultTtlSeconds, coturn.Ttl);
        Assert.Equal(["turn:[::1]:3479?transport=tcp", "turn:turn.example.org"], coturn.TurnServers.Select(url => url.Text));
        // The probe speaks UDP, so it asks the first URL reachable over UDP.
        Assert.Equal(("turn.example.org", 3478), (coturn.ProbeTarget.Host, coturn.ProbeTarget.Port));
    }

    /// <summary>What the gateway prints when its services are validated at start-up, as Program does.</summary>
    private static string Refusal(string[] pairs)
    {
        var builder = Builder(pairs);
        builder.AddIce();
        using var services = builder.Services.BuildServiceProvider();
        var line = ConfigurationErrors.Describe(Assert.ThrowsAny<Exception>(() => ConfigurationErrors.ValidateSettings(services)));
        Assert.NotNull(line);
        return line;
    }

    private static WebApplicationBuilder Builder(string[] pairs)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(pairs.Select(pair => pair.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])));
        return builder;
    }
}
