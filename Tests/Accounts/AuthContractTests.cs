using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
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
        // 15 minutes: a revoked role stops working within one access token's lifetime.
        Assert.Equal(900, pair.ExpiresIn);
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
    public async Task Duplicate_username_in_any_letter_case_gets_409_username_taken_naming_the_username()
    {
        var name = AuthClient.UniqueName("Case");
        await Client.RegisterAsync(name, Password, Ct);

        var again = await Client.PostJsonAsync("/auth/register", new { username = name.ToUpperInvariant(), password = Password }, Ct);

        var taken = await HttpAssert.ProblemAsync(again, HttpStatusCode.Conflict, "username_taken");
        Assert.Equal("username", taken.GetProperty("field").GetString());
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
    public async Task A_name_once_configured_as_researcher_gets_no_role_by_registering_it()
    {
        // prof_lee was listed in Auth:Researchers; whoever registered the name first got the dataset.
        var pair = await Client.RegisterAsync("prof_lee", Password, Ct);

        var me = await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(pair.AccessToken, Ct));
        Assert.Empty(me.Roles);
        Assert.DoesNotContain("\"role\"", Base64UrlEncoder.Decode(pair.AccessToken.Split('.')[1]), StringComparison.Ordinal);
        await HttpAssert.ProblemAsync(await Client.SendAsync(AuthClient.Authorized(HttpMethod.Get, ExportCsv, pair.AccessToken), Ct), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_non_admin_changing_roles_gets_403()
    {
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);
        var researcher = await Roles.NewAccountWithAsync(Client, grains, "researcher", Ct);

        await HttpAssert.ProblemAsync(await PutRolesAsync(user.AccessToken, user.UserId, "admin"), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await PutRolesAsync(researcher.AccessToken, user.UserId, "researcher"), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await GetAsync(user.AccessToken, $"/admin/users/{user.UserId}/roles"), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await Client.GetAsync($"/admin/users/{user.UserId}/roles", Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    [Fact]
    public async Task A_role_an_admin_grants_shows_in_the_next_token_and_opens_the_export()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);

        var granted = await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, user.UserId, "researcher"));

        Assert.Equal(["researcher"], granted.Roles);
        Assert.Equal(user.Username, granted.Username);
        Assert.Equal(["researcher"], (await HttpAssert.OkAsync<RolesAnswer>(await GetAsync(admin.AccessToken, $"/admin/users/{user.UserId}/roles"))).Roles);

        // The token in hand was issued before the grant: it still says nothing.
        await HttpAssert.ProblemAsync(await GetAsync(user.AccessToken, ExportCsv), HttpStatusCode.Forbidden, "forbidden");
        var refreshed = await Roles.RefreshAsync(Client, user, Ct);
        Assert.Contains("\"role\":[\"researcher\"]", Base64UrlEncoder.Decode(refreshed.AccessToken.Split('.')[1]), StringComparison.Ordinal);
        var export = await GetAsync(refreshed.AccessToken, ExportCsv);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(["researcher"], (await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(refreshed.AccessToken, Ct))).Roles);
    }

    [Fact]
    public async Task A_role_an_admin_takes_away_stops_working_at_once_though_the_token_in_hand_still_names_it()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var otherAdmin = new Player(Client, await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm"));
        var researcher = await Roles.NewAccountWithAsync(Client, grains, "researcher", Ct, prefix: "res");
        var holder = new Player(Client, await Roles.GrantAsync(Client, grains, researcher, "facilitator", Ct));
        var session = SessionKit.Code(await SessionKit.CreateAsync(holder, Ct));
        var privateRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(await RoomKit.GuestAsync(Client, Ct), Ct, isPublic: false));
        const string Counts = "/research/experiments/debug/counts";
        await HttpAssert.OkAsync<System.Text.Json.JsonElement>(await holder.GetAsync(Counts, Ct));
        await HttpAssert.OkAsync<System.Text.Json.JsonElement>(await holder.GetAsync($"/rooms/{privateRoom}", Ct));
        await HttpAssert.OkAsync<System.Text.Json.JsonElement>(await holder.GetAsync($"/sessions/{session}", Ct));
        await HttpAssert.OkAsync<RolesAnswer>(await otherAdmin.GetAsync($"/admin/users/{holder.UserId}/roles", Ct));

        // Both taken away; the tokens in hand were issued before and name them for up to 15 more minutes. They opened the
        // research data, every room in full, a class's session and the accounts for that long.
        Assert.Empty((await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, holder.UserId))).Roles);
        Assert.Empty((await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, otherAdmin.UserId))).Roles);
        Assert.Contains("\"facilitator\"", Base64UrlEncoder.Decode(holder.Tokens.AccessToken.Split('.')[1]), StringComparison.Ordinal);

        await HttpAssert.ProblemAsync(await holder.GetAsync(Counts, Ct), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await holder.GetAsync($"/rooms/{privateRoom}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await holder.GetAsync($"/sessions/{session}", Ct), HttpStatusCode.Forbidden, "not_facilitator");
        await HttpAssert.ProblemAsync(await holder.PostAsync($"/sessions/{session}/broadcast", new { message = "Still mine?" }, Ct), HttpStatusCode.Forbidden, "not_facilitator");
        await HttpAssert.ProblemAsync(
            await holder.PostAsync("/sessions", new { title = "Class after", topic = RoomKit.Topic, study_label = "ethics-101" }, Ct),
            HttpStatusCode.Forbidden,
            "not_facilitator");
        await HttpAssert.ProblemAsync(await otherAdmin.GetAsync($"/admin/users/{holder.UserId}/roles", Ct), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task An_admin_finds_an_account_by_its_username_in_any_letter_case_with_its_roles()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Roles.NewAccountWithAsync(Client, grains, "facilitator", Ct);

        var found = await HttpAssert.OkAsync<RolesAnswer>(await GetAsync(admin.AccessToken, $"/admin/users?username={user.Username.ToUpperInvariant()}"));
        Assert.Equal(user.UserId, found.UserId);
        Assert.Equal(user.Username, found.Username);
        Assert.Equal(["facilitator"], found.Roles);

        var nobody = await HttpAssert.ProblemAsync(await GetAsync(admin.AccessToken, $"/admin/users?username={AuthClient.UniqueName("nobody")}"), HttpStatusCode.NotFound, "user_not_found");
        Assert.Equal("username", nobody.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(await GetAsync(admin.AccessToken, "/admin/users?username=%20"), HttpStatusCode.BadRequest, "invalid_username");
        await HttpAssert.ProblemAsync(await GetAsync(user.AccessToken, $"/admin/users?username={user.Username}"), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_revoked_role_is_gone_from_the_next_token()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Roles.NewAccountWithAsync(Client, grains, "researcher", Ct);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(user.AccessToken, ExportCsv)).StatusCode);

        var revoked = await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, user.UserId));

        Assert.Empty(revoked.Roles);
        var refreshed = await Roles.RefreshAsync(Client, user, Ct);
        Assert.DoesNotContain("\"role\"", Base64UrlEncoder.Decode(refreshed.AccessToken.Split('.')[1]), StringComparison.Ordinal);
        await HttpAssert.ProblemAsync(await GetAsync(refreshed.AccessToken, ExportCsv), HttpStatusCode.Forbidden, "forbidden");
        var login = await HttpAssert.OkAsync<TokenPair>(await Client.PostJsonAsync("/auth/login", new { username = user.Username, password = Roles.Password }, Ct));
        await HttpAssert.ProblemAsync(await GetAsync(login.AccessToken, ExportCsv), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Every_grant_and_revocation_is_audited_with_who_whom_what_and_when()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, user.UserId, "researcher", "facilitator"));
        await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(admin.AccessToken, user.UserId, "facilitator"));
        var audit = await HttpAssert.OkAsync<AuditAnswer>(await GetAsync(admin.AccessToken, $"/admin/users/{user.UserId}/roles/audit"));

        Assert.Equal(user.UserId, audit.UserId);
        Assert.Equal(3, audit.Items.Length);
        Assert.Equal(("researcher", "revoked"), (audit.Items[0].Role, audit.Items[0].Change));
        Assert.Equal(["facilitator:granted", "researcher:granted"], audit.Items[1..].Select(i => $"{i.Role}:{i.Change}").Order().ToArray());
        Assert.All(audit.Items, item =>
        {
            Assert.Equal(admin.UserId, item.ChangedByUserId);
            Assert.Equal(admin.Username, item.ChangedBy);
            Assert.InRange(item.ChangedAt, before, DateTimeOffset.UtcNow.AddSeconds(5));
        });

        // The admin's own grant came from the operator's path: no user id, the operator's name.
        var adminAudit = await HttpAssert.OkAsync<AuditAnswer>(await GetAsync(admin.AccessToken, $"/admin/users/{admin.UserId}/roles/audit"));
        var operatorGrant = Assert.Single(adminAudit.Items);
        Assert.Null(operatorGrant.ChangedByUserId);
        Assert.StartsWith("operator:", operatorGrant.ChangedBy, StringComparison.Ordinal);
    }

    /// <summary>
    /// The role PUT needs no Idempotency-Key (issue 20): it replaces the set and audits only what differs,
    /// so the same PUT again answers the same set and writes no audit row.
    /// </summary>
    [Fact]
    public async Task A_repeated_role_replacement_answers_the_same_and_audits_nothing_more()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);

        var first = await PutRolesAsync(admin.AccessToken, user.UserId, "researcher", "facilitator");
        var retry = await PutRolesAsync(admin.AccessToken, user.UserId, "researcher", "facilitator");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((first.StatusCode, await first.Content.ReadAsStringAsync(Ct)), (retry.StatusCode, await retry.Content.ReadAsStringAsync(Ct)));
        var audit = await HttpAssert.OkAsync<AuditAnswer>(await GetAsync(admin.AccessToken, $"/admin/users/{user.UserId}/roles/audit"));
        Assert.Equal(2, audit.Items.Length);
    }

    [Fact]
    public async Task Role_changes_refuse_unknown_roles_users_guests_and_an_admin_dropping_their_own_admin()
    {
        var admin = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);
        var guest = await Client.GuestAsync(Ct);

        var unknown = await HttpAssert.ProblemAsync(await PutRolesAsync(admin.AccessToken, user.UserId, "researcher", "superuser"), HttpStatusCode.UnprocessableEntity, "unknown_role");
        Assert.Equal("roles", unknown.GetProperty("field").GetString());
        var nullRole = await HttpAssert.ProblemAsync(
            await Client.SendAsync(AuthClient.Authorized(HttpMethod.Put, $"/admin/users/{user.UserId}/roles", admin.AccessToken, JsonContent(new { roles = new string?[] { null } })), Ct),
            HttpStatusCode.BadRequest,
            "missing_field");
        Assert.Equal("roles[0]", nullRole.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(
            await Client.SendAsync(AuthClient.Authorized(HttpMethod.Put, $"/admin/users/{user.UserId}/roles", admin.AccessToken, JsonContent(new { })), Ct),
            HttpStatusCode.BadRequest,
            "missing_field");
        await HttpAssert.ProblemAsync(await PutRolesAsync(admin.AccessToken, long.MaxValue - 7, "researcher"), HttpStatusCode.NotFound, "user_not_found");
        await HttpAssert.ProblemAsync(await GetAsync(admin.AccessToken, $"/admin/users/{long.MaxValue - 7}/roles"), HttpStatusCode.NotFound, "user_not_found");
        await HttpAssert.ProblemAsync(await GetAsync(admin.AccessToken, $"/admin/users/{long.MaxValue - 7}/roles/audit"), HttpStatusCode.NotFound, "user_not_found");
        await HttpAssert.ProblemAsync(await PutRolesAsync(admin.AccessToken, guest.UserId, "researcher"), HttpStatusCode.Conflict, "guest_cannot_hold_roles");
        await HttpAssert.ProblemAsync(await PutRolesAsync(admin.AccessToken, admin.UserId, "researcher"), HttpStatusCode.Conflict, "cannot_revoke_own_admin");
        Assert.Empty((await HttpAssert.OkAsync<RolesAnswer>(await GetAsync(admin.AccessToken, $"/admin/users/{user.UserId}/roles"))).Roles);
    }

    [Fact]
    public async Task A_revoked_admin_cannot_use_their_last_token_to_change_roles()
    {
        var first = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var second = await Roles.NewAccountWithAsync(Client, grains, "admin", Ct, prefix: "adm");
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);

        await HttpAssert.OkAsync<RolesAnswer>(await PutRolesAsync(second.AccessToken, first.UserId));

        // first's token still says admin for up to 15 minutes; the store says otherwise, and the admin policy asks it.
        await HttpAssert.ProblemAsync(await PutRolesAsync(first.AccessToken, user.UserId, "researcher"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty((await HttpAssert.OkAsync<RolesAnswer>(await GetAsync(second.AccessToken, $"/admin/users/{user.UserId}/roles"))).Roles);
    }

    [Fact]
    public async Task An_access_token_posted_to_refresh_gets_401()
    {
        var pair = await Client.GuestAsync(Ct);

        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.AccessToken }, Ct), HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("abc")]
    [InlineData("0123456789abcdef0123456789abcde")]
    public async Task A_guest_id_shorter_than_32_characters_is_no_credential(string shortId)
    {
        var first = await Client.GuestAsync(Ct, shortId);
        var second = await Client.GuestAsync(Ct, shortId);

        Assert.NotEqual(first.UserId, second.UserId);
        Assert.NotNull(first.GuestId);
        Assert.True(first.GuestId.Length >= 32, first.GuestId);
        Assert.NotEqual(shortId, first.GuestId);
        Assert.NotEqual(first.GuestId, second.GuestId);

        // The issued id is the device's credential from now on.
        var again = await Client.GuestAsync(Ct, first.GuestId);
        Assert.Equal(first.UserId, again.UserId);
        Assert.Equal(first.GuestId, again.GuestId);
        await HttpAssert.OkAsync<Me>(await Client.GetMeAsync(first.AccessToken, Ct));
    }

    [Fact]
    public async Task A_guest_without_a_guest_id_gets_a_server_issued_one_of_128_bits_or_more()
    {
        var guest = await Client.GuestAsync(Ct);

        Assert.NotNull(guest.GuestId);
        Assert.Matches("^[A-Za-z0-9_-]{32,}$", guest.GuestId);
        Assert.True(Base64UrlEncoder.DecodeBytes(guest.GuestId).Length >= 16);
        var registered = await Client.RegisterAsync(AuthClient.UniqueName(), Password, Ct);
        Assert.Null(registered.GuestId);
    }

    [Fact]
    public async Task Five_wrong_passwords_make_the_account_wait_longer_each_time_and_a_success_resets()
    {
        var name = AuthClient.UniqueName("thr");
        var other = AuthClient.UniqueName("oth");
        await Client.RegisterAsync(name, Password, Ct);
        await Client.RegisterAsync(other, Password, Ct);

        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.ProblemAsync(await LoginAsync(name, "wrong password"), HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // Even the right password waits: the guesser learns nothing while the account is held.
        var held = await LoginAsync(name, Password);
        await HttpAssert.ProblemAsync(held, HttpStatusCode.TooManyRequests, "login_throttled");
        Assert.Equal(TimeSpan.FromSeconds(1), held.Headers.RetryAfter?.Delta);
        await HttpAssert.OkAsync<TokenPair>(await LoginAsync(other, Password));

        // After the wait one attempt goes through; a wrong one doubles the wait.
        await HttpAssert.ProblemAsync(await WhenHeldNoLongerAsync(name, "wrong password"), HttpStatusCode.Unauthorized, "invalid_credentials");
        var longer = await LoginAsync(name, Password);
        await HttpAssert.ProblemAsync(longer, HttpStatusCode.TooManyRequests, "login_throttled");
        Assert.Equal(TimeSpan.FromSeconds(2), longer.Headers.RetryAfter?.Delta);

        await HttpAssert.OkAsync<TokenPair>(await WhenHeldNoLongerAsync(name, Password));
        await HttpAssert.ProblemAsync(await LoginAsync(name, "wrong password"), HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Usernames_that_do_not_exist_are_held_the_same_way()
    {
        var nobody = AuthClient.UniqueName("nob");
        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.ProblemAsync(await LoginAsync(nobody, "wrong password"), HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await HttpAssert.ProblemAsync(await LoginAsync(nobody.ToUpperInvariant(), "wrong password"), HttpStatusCode.TooManyRequests, "login_throttled");
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
    [InlineData("valid_name\n", "password123", "username", "invalid_username")]
    [InlineData("valid_name", "short", "password", "password_too_short")]
    public async Task Invalid_registration_values_get_422_naming_the_field(string username, string password, string field, string code)
    {
        var name = username.Replace("valid_name", AuthClient.UniqueName(), StringComparison.Ordinal);

        var problem = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/register", new { username = name, password }, Ct), HttpStatusCode.UnprocessableEntity, code);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task An_email_or_guest_id_ending_in_a_newline_gets_422_naming_it()
    {
        var email = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/register", new { username = AuthClient.UniqueName(), password = Password, email = "kim@example.org\n" }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_email");
        Assert.True(email.GetProperty("errors").TryGetProperty("email", out _), email.ToString());

        // Nor a control or format character inside it, which /auth/me would hand back to whoever reads it.
        foreach (var hidden in new[] { "kim\u0000@example.org", "\u0007@example.org", "kim\u202E@example.org" })
        {
            await HttpAssert.ProblemAsync(
                await Client.PostJsonAsync("/auth/register", new { username = AuthClient.UniqueName(), password = Password, email = hidden }, Ct),
                HttpStatusCode.UnprocessableEntity,
                "invalid_email");
        }

        var guest = await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/guest", new { guest_id = Guid.NewGuid().ToString("N") + "\n" }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_guest_id");
        Assert.True(guest.GetProperty("errors").TryGetProperty("guest_id", out _), guest.ToString());
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

    /// <summary>The framework's own answers say what was wrong too, as every other 4xx does.</summary>
    [Fact]
    public async Task Unknown_paths_other_methods_and_bodies_that_are_not_JSON_get_problems_that_say_so()
    {
        var missing = await HttpAssert.ProblemAsync(await Client.GetAsync("/no/such/path", Ct), HttpStatusCode.NotFound, "not_found");
        var method = await HttpAssert.ProblemAsync(await Client.DeleteAsync("/auth/guest", Ct), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        var text = await HttpAssert.ProblemAsync(
            await Client.PostAsync("/auth/guest", new StringContent("{\"nickname\":\"plain\"}", Encoding.UTF8, "text/plain"), Ct),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported_media_type");

        Assert.Equal("Nothing is served at /no/such/path; the API's paths are listed in /openapi/v1.json.", missing.GetProperty("detail").GetString());
        Assert.Equal("/auth/guest does not take DELETE; the Allow header and /openapi/v1.json list what it takes.", method.GetProperty("detail").GetString());
        Assert.Equal("The body must be JSON, sent with Content-Type: application/json.", text.GetProperty("detail").GetString());
        Assert.Equal("Content-Type", text.GetProperty("field").GetString());
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, HttpAssert.Json), Encoding.UTF8, "application/json");

    private static string Flip(string segment) => (segment[0] == 'A' ? "B" : "A") + segment[1..];

    internal static string Mint(long userId, string key, DateTime? issuedAt = null, TimeSpan? lifetime = null, string issuer = "dilemma", string audience = "dilemma") =>
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

    private sealed record RolesAnswer(long UserId, string Username, string[] Roles);

    private sealed record AuditItem(string Role, string Change, long? ChangedByUserId, string ChangedBy, DateTimeOffset ChangedAt);

    private sealed record AuditAnswer(long UserId, AuditItem[] Items);

    private const string ExportCsv = "/research/experiments/export/excel?format=csv";

    private Task<HttpResponseMessage> PutRolesAsync(string accessToken, long userId, params string[] roles) =>
        Client.SendAsync(AuthClient.Authorized(HttpMethod.Put, $"/admin/users/{userId}/roles", accessToken, JsonContent(new { roles })), Ct);

    private Task<HttpResponseMessage> GetAsync(string accessToken, string path) =>
        Client.SendAsync(AuthClient.Authorized(HttpMethod.Get, path, accessToken), Ct);

    private Task<HttpResponseMessage> LoginAsync(string username, string password) =>
        Client.PostJsonAsync("/auth/login", new { username, password }, Ct);

    /// <summary>Logs in once the account's wait is over (polling, with a deadline), and returns that answer.</summary>
    private async Task<HttpResponseMessage> WhenHeldNoLongerAsync(string username, string password)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var response = await LoginAsync(username, password);
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            Assert.True(DateTime.UtcNow < deadline, "The account was still held 20 s later.");
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
        }
    }
}
