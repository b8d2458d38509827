using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// The whole <c>/auth</c> contract of api.md. It runs twice, in embedded mode and in cluster mode
/// against MariaDB, because both modes must keep the same rules.
/// </summary>
public abstract class AuthContractTests(HttpClient client, IGrainFactory grains)
{
    private const string Password = "correct horse battery";

    protected HttpClient Client { get; } = client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The password hash as stored, read behind the API's back.</summary>
    protected abstract Task<string?> StoredPasswordHashAsync(long userId);

    [Fact]
    public async Task Register_answers_201_with_a_token_pair_that_opens_me()
    {
        var name = AuthClient.UniqueName();
        var pair = await Client.RegisterAsync(name, Password, Ct);

        Assert.Equal("bearer", pair.TokenType);
        Assert.Equal(3600, pair.ExpiresIn);
        Assert.False(pair.IsGuest);
        Assert.True(pair.UserId > 0);
        var me = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.Equal(pair.UserId, me.UserId);
        Assert.Equal(name, me.Username);
        Assert.True(me.DataConsent);
        Assert.False(me.VoiceConsent);
        Assert.Empty(me.Roles);
    }

    [Fact]
    public async Task Passwords_are_stored_as_bcrypt_with_cost_12()
    {
        var pair = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);

        var hash = await StoredPasswordHashAsync(pair.UserId);
        Assert.NotNull(hash);
        Assert.Matches(@"^\$2[aby]\$12\$", hash);
        Assert.DoesNotContain(Password, hash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_username_in_any_letter_case_gets_409_username_taken()
    {
        var name = AuthClient.UniqueName("Case");
        await Client.RegisterAsync(name, Password, Ct);

        var again = await Client.PostJsonAsync("/auth/register", new { username = name.ToUpperInvariant(), password = Password }, Ct);

        await HttpAssert.ProblemAsync(again, HttpStatusCode.Conflict, "username_taken");
    }

    [Fact]
    public async Task Login_returns_a_new_pair_for_the_same_user()
    {
        var name = AuthClient.UniqueName();
        var registered = await Client.RegisterAsync(name, Password, Ct);

        var login = await HttpAssert.OkAsync<TokenPair>(await Client.PostJsonAsync("/auth/login", new { username = name, password = Password }, Ct));

        Assert.Equal(registered.UserId, login.UserId);
        Assert.NotEqual(registered.RefreshToken, login.RefreshToken);
        await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(login.AccessToken, Ct));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_get_the_same_401()
    {
        var name = AuthClient.UniqueName();
        await Client.RegisterAsync(name, Password, Ct);

        var wrongPassword = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/login", new { username = name, password = "not the password" }, Ct), HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknownUser = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/login", new { username = AuthClient.UniqueName(), password = Password }, Ct), HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.Equal(wrongPassword.GetProperty("detail").GetString(), unknownUser.GetProperty("detail").GetString());
        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownUser.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Guest_login_is_idempotent_per_guest_id()
    {
        var guestId = Guid.NewGuid().ToString("N");

        var first = await Client.GuestAsync(Ct, guestId, "민지");
        var second = await Client.GuestAsync(Ct, guestId);
        var other = await Client.GuestAsync(Ct);

        Assert.True(first.IsGuest);
        Assert.Equal(first.UserId, second.UserId);
        Assert.NotEqual(first.UserId, other.UserId);
        var me = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(second.AccessToken, Ct));
        Assert.True(me.IsGuest);
    }

    [Fact]
    public async Task Refresh_rotates_and_the_old_token_stops_working()
    {
        var pair = await Client.GuestAsync(Ct);

        var rotated = await HttpAssert.OkAsync<TokenPair>(await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct));

        Assert.Equal(pair.UserId, rotated.UserId);
        Assert.NotEqual(pair.RefreshToken, rotated.RefreshToken);
        await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(rotated.AccessToken, Ct));
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "refresh_token_reused");
    }

    [Fact]
    public async Task Presenting_a_rotated_token_again_revokes_the_whole_family()
    {
        var pair = await Client.GuestAsync(Ct);
        var rotated = await HttpAssert.OkAsync<TokenPair>(await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct));

        // A thief replays the stolen (already rotated) token...
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "refresh_token_reused");

        // ...so the legitimate holder's newer token is dead too.
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = rotated.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Concurrent_use_of_one_refresh_token_lets_at_most_one_through()
    {
        var pair = await Client.GuestAsync(Ct);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct)));

        Assert.True(answers.Count(a => a.StatusCode == HttpStatusCode.OK) <= 1);
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Unauthorized }));
    }

    [Fact]
    public async Task Logout_answers_204_and_revokes_the_family()
    {
        var pair = await Client.GuestAsync(Ct);

        var logout = await Client.PostJsonAsync("/auth/logout", new { refresh_token = pair.RefreshToken }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, Ct), HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Unknown_or_garbled_refresh_tokens_get_401()
    {
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = "not-a-token" }, Ct), HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }, Ct),
            HttpStatusCode.Unauthorized,
            "invalid_refresh_token");
    }

    [Fact]
    public async Task Me_without_a_token_gets_401_missing_token()
    {
        await HttpAssert.ProblemAsync(await Client.GetAsync("/auth/me", Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    [Fact]
    public async Task Expired_access_token_gets_401_token_expired()
    {
        var pair = await Client.GuestAsync(Ct);
        var expired = Mint(pair.UserId, GatewayFactory.JwtKey, issuedAt: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromMinutes(60));

        await HttpAssert.ProblemAsync(await Client.GetMeAsync(expired, Ct), HttpStatusCode.Unauthorized, "token_expired");
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("payload")]
    [InlineData("other-key")]
    [InlineData("other-issuer")]
    [InlineData("other-audience")]
    [InlineData("alg-none")]
    public async Task Tampered_access_tokens_get_401(string tampering)
    {
        var pair = await Client.GuestAsync(Ct);
        var parts = pair.AccessToken.Split('.');
        var token = tampering switch
        {
            "signature" => $"{parts[0]}.{parts[1]}.{Flip(parts[2])}",
            "payload" => $"{parts[0]}.{Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace($"\"sub\":\"{pair.UserId}\"", $"\"sub\":\"{pair.UserId + 1}\"", StringComparison.Ordinal))}.{parts[2]}",
            "other-key" => Mint(pair.UserId, "another-key-that-is-long-enough-0123456789"),
            "other-issuer" => Mint(pair.UserId, GatewayFactory.JwtKey, issuer: "someone-else"),
            "other-audience" => Mint(pair.UserId, GatewayFactory.JwtKey, audience: "someone-else"),
            _ => $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{parts[1]}.",
        };

        await HttpAssert.ProblemAsync(await Client.GetMeAsync(token, Ct), HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Consent_update_changes_only_the_fields_sent()
    {
        var pair = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct, dataConsent: true);

        var response = await Client.SendAsync(
            AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", pair.AccessToken, JsonContent(new { voice_consent = true })), Ct);

        var me = await HttpAssert.OkAsync<Me>(response);
        Assert.True(me.VoiceConsent);
        Assert.True(me.DataConsent);
        var reread = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.True(reread.VoiceConsent);
    }

    [Fact]
    public async Task Consent_update_with_no_field_gets_400_naming_the_fields()
    {
        var pair = await Client.GuestAsync(Ct);

        var response = await Client.SendAsync(AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", pair.AccessToken, JsonContent(new { })), Ct);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "missing_field");
        Assert.True(problem.GetProperty("errors").TryGetProperty("data_consent", out _));
    }

    [Fact]
    public async Task Researchers_named_in_configuration_get_the_researcher_role()
    {
        string name = GatewayFactory.Researcher;
        var response = await Client.PostJsonAsync("/auth/register", new { username = name, password = Password }, Ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            response = await Client.PostJsonAsync("/auth/login", new { username = name, password = Password }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var pair = await HttpAssert.OkAsync<TokenPair>(response, response.StatusCode);
        var me = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.Equal(["researcher"], me.Roles);
        Assert.Contains("\"role\":[\"researcher\"]", Base64UrlEncoder.Decode(pair.AccessToken.Split('.')[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ws_ticket_is_single_use_bound_to_the_user_and_expires_in_30_s()
    {
        var pair = await Client.GuestAsync(Ct);

        var response = await Client.SendAsync(AuthClient.Authorized(HttpMethod.Post, "/auth/ws-ticket", pair.AccessToken), Ct);
        var ticket = await HttpAssert.OkAsync<TicketAnswer>(response);

        Assert.Equal(30, ticket.ExpiresIn);
        var holder = await grains.GetGrain<IWsTicketGrain>(ticket.Ticket).RedeemAsync();
        Assert.Equal(pair.UserId, holder?.UserId);
        Assert.True(holder?.IsGuest);
        Assert.Null(await grains.GetGrain<IWsTicketGrain>(ticket.Ticket).RedeemAsync());
    }

    [Fact]
    public async Task Ws_ticket_needs_a_token()
    {
        await HttpAssert.ProblemAsync(await Client.PostAsync("/auth/ws-ticket", null, Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    [Fact]
    public async Task Malformed_json_gets_400_malformed_json()
    {
        await HttpAssert.ProblemAsync(await Client.PostRawAsync("/auth/login", "{\"username\": ", Ct), HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_gets_400_naming_it()
    {
        var problem = await HttpAssert.ProblemAsync(
            await Client.PostRawAsync("/auth/register", "{\"username\":\"someone\",\"password\":\"password123\",\"data_consent\":\"yes please\"}", Ct),
            HttpStatusCode.BadRequest,
            "malformed_json");
        Assert.Equal("data_consent", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Missing_required_fields_get_400_naming_each()
    {
        var problem = await HttpAssert.ProblemAsync(await Client.PostRawAsync("/auth/register", "{\"email\":\"a@b.cd\"}", Ct), HttpStatusCode.BadRequest, "missing_field");

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _));
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task A_request_without_a_body_gets_400()
    {
        var response = await Client.PostAsync("/auth/login", new StringContent(string.Empty, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        var response = await Client.PostRawAsync("/auth/guest", "{\"nickname\":\"kim\",\"favourite_colour\":\"teal\",\"nested\":{\"a\":[1,2]}}", Ct);

        await HttpAssert.OkAsync<TokenPair>(response);
    }

    [Theory]
    [InlineData("ab", "password123", "username", "invalid_username")]
    [InlineData("user name", "password123", "username", "invalid_username")]
    [InlineData("user<script>", "password123", "username", "invalid_username")]
    [InlineData("valid_name", "short", "password", "password_too_short")]
    public async Task Invalid_registration_values_get_422_naming_the_field(string username, string password, string field, string code)
    {
        var name = username == "valid_name" ? AuthClient.UniqueName() : username;

        var problem = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/register", new { username = name, password }, Ct), HttpStatusCode.UnprocessableEntity, code);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Usernames_longer_than_32_characters_get_422()
    {
        var problem = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/register", new { username = new string('a', 33), password = Password }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_field");

        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
    }

    [Fact]
    public async Task Passwords_over_72_bytes_are_refused_not_truncated()
    {
        // 25 Hangul syllables are 25 characters but 75 bytes in UTF-8.
        var password = new string('가', 25);

        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/register", new { username = AuthClient.UniqueName(), password }, Ct), HttpStatusCode.UnprocessableEntity, "password_too_long");
    }

    [Fact]
    public async Task Usernames_in_other_scripts_are_accepted()
    {
        var name = "김민지" + Guid.NewGuid().ToString("N")[..6];

        var pair = await Client.RegisterAsync(name, Password, Ct);

        var me = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.Equal(name, me.Username);
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("99999999999999999999999")]
    public async Task A_signed_token_whose_subject_is_not_a_user_id_gets_401(string subject)
    {
        var token = Mint(subject, GatewayFactory.JwtKey);

        await HttpAssert.ProblemAsync(await Client.GetMeAsync(token, Ct), HttpStatusCode.Unauthorized, "invalid_token");
        var create = AuthClient.Authorized(HttpMethod.Post, "/rooms/public", token, JsonContent(new { title = "t", topic = "care-robot-monitoring" }));
        await HttpAssert.ProblemAsync(await Client.SendAsync(create, Ct), HttpStatusCode.Unauthorized, "invalid_token");
        await HttpAssert.ProblemAsync(await Client.SendAsync(AuthClient.Authorized(HttpMethod.Post, "/auth/ws-ticket", token), Ct), HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task A_body_over_the_size_limit_gets_413()
    {
        var huge = "{\"username\":\"" + new string('a', 200_000) + "\",\"password\":\"x\"}";

        await HttpAssert.ProblemAsync(await Client.PostRawAsync("/auth/login", huge, Ct), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Unknown_paths_get_a_problem_404()
    {
        await HttpAssert.ProblemAsync(await Client.GetAsync("/no/such/path", Ct), HttpStatusCode.NotFound, "not_found");
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, HttpAssert.Json), Encoding.UTF8, "application/json");

    private static string Flip(string segment) => (segment[0] == 'A' ? "B" : "A") + segment[1..];

    private static string Mint(long userId, string key, DateTime? issuedAt = null, TimeSpan? lifetime = null, string issuer = "dilemma", string audience = "dilemma") =>
        Mint(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), key, issuedAt, lifetime, issuer, audience);

    private static string Mint(string subject, string key, DateTime? issuedAt = null, TimeSpan? lifetime = null, string issuer = "dilemma", string audience = "dilemma")
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(60)),
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = "x" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private sealed record TicketAnswer(string Ticket, int ExpiresIn);
}
