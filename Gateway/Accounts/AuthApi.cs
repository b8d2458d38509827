using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Dilemma.Gateway.Accounts;

/// <summary>The <c>/auth</c> endpoints: each translates a request into one grain call and back.</summary>
public static class AuthApi
{
    private const string SignOutEffect =
        "A sign-out (POST /auth/logout), or a refresh token presented again after its rotation (refresh_token_reused), revokes the whole sign-in: " +
        "its refresh tokens, and its access tokens, which every gateway then answers with 401 token_revoked (on the gateway that handled it at once, " +
        "on the others within Auth:RevocationPollSeconds), including the sockets' upgrades and WebSocket tickets issued to them. " +
        "Other sign-ins of the same user are not touched. Access tokens minted before tokens carried their sign-in (no sid claim) work until they expire.";

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup("/auth").WithTags("Authentication");

        auth.MapPost("/register", RegisterAsync).Validates<RegisterRequest>().RequireRateLimiting(AuthLimits.RegistrationPolicy)
            .WithSummary("Create an account and sign in (a setup_code printed at start-up in embedded mode makes it the first admin)")
            .WithDescription("Body: username, password, email?, data_consent, voice_consent, consent_version? (the consent text shown, GET /consent; 422 unknown_consent_version for one never published; without it the consents are recorded as 'unversioned'), setup_code?. 409 username_taken (field username) for a username an account has in any letter case.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/login", LoginAsync).Validates<LoginRequest>().RequireRateLimiting(RateLimits.PasswordPolicy)
            .WithSummary("Sign in with username and password (429 login_throttled after repeated failures on the account)")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/guest", GuestAsync).Validates(GuestRequest.FromQuery).RequireRateLimiting(AuthLimits.GuestPolicy)
            .WithSummary("Sign in as a guest (idempotent per guest_id of 32+ characters; otherwise a new guest with a server-issued guest_id)")
            .WithDescription("Body: guest_id?, nickname?, data_consent?, voice_consent?, consent_version? (the consents given on the sign-in screen, recorded as by PATCH /auth/me/consent; 422 unknown_consent_version). Legacy form of the original front end: no body, and guest_id and nickname in the query string (POST /auth/guest?guest_id=…&nickname=…); the query is read only when the body is empty.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/refresh", RefreshAsync).Validates<RefreshRequest>()
            .WithSummary("Exchange a refresh token for a new pair (rotation; reuse revokes the family, access tokens included)")
            .WithDescription(SignOutEffect).ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout", LogoutAsync).Validates<RefreshRequest>()
            .WithSummary("Sign out: revoke the refresh token's family and the access tokens of that sign-in")
            .WithDescription(SignOutEffect);
        auth.MapGet("/me", MeAsync).RequireAuthorization()
            .WithSummary("The signed-in user, with the roles stored now (an access token carries them from its next refresh)").ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/me/data", HeldDataAsync).RequireAuthorization()
            .WithSummary("Everything held about the signed-in user, as JSON")
            .WithDescription(
                "`user` (as GET /auth/me), `consents` (every consent row: kind, version, granted, at), `role_changes` (the role audit), and " +
                "`research`: `seats` (rooms sat in, with nickname, role, joined_at, left_at), `choices` (each round's last choice, confidence, " +
                "revision, at), `choice_submissions` (every submission of a choice, revisions included: round, choice, confidence, revision, at), `consensus_submitted`, `recording_events`, `connection_quality` (the voice-link summaries they sent: room, round, state, " +
                "relayed, measures, at; not who was at the other end), `ai_interactions` (questions, feedback or a bot's choice the AI facilitator " +
                "put before them, with provider, model, prompt_version, fell_back, fallback_reason), `room_events` (events about them: room, event_type, " +
                "round, at; not who caused it), `facilitator_actions` (actions about them: room, action, reason, at; not which facilitator). Refresh tokens are not listed: only their hashes are kept, and they are credentials.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPatch("/me/consent", ChangeConsentAsync).Validates<ConsentRequest>().RequireAuthorization()
            .WithSummary("Change data or voice consent")
            .WithDescription("Body: data_consent?, voice_consent?, consent_version? (the consent text shown, GET /consent; without it the change is recorded as 'unversioned'). Each grant, and each withdrawal of a consent held, is kept as a timestamped consent row with its version.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        auth.MapPost("/ws-ticket", IssueWsTicketAsync).RequireAuthorization().RequireRateLimiting(WsTicketRateLimit.PolicyName)
            .WithSummary("A single-use ticket for a WebSocket URL, valid 30 s")
            .WithDescription("Limited per user (RateLimits:WsTicketsPerMinute) and per client address, whoever is signed in (RateLimits:WsTicketsPerMinutePerAddress): at once, then per minute; 429 rate_limited with Retry-After.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return auth;
    }

    public static async Task<Created<TokenPairResponse>> RegisterAsync(RegisterRequest request, IGrainFactory grains, AccessTokens tokens, CancellationToken cancellationToken)
    {
        var session = await Accounts(grains).RegisterAsync(
            new Registration(request.Username!, request.Password!, request.Email, request.DataConsent ?? false, request.VoiceConsent ?? false, request.SetupCode, request.ConsentVersion),
            cancellationToken);
        return TypedResults.Created("/auth/me", Pair(session, tokens));
    }

    public static async Task<Ok<TokenPairResponse>> LoginAsync(LoginRequest request, IGrainFactory grains, AccessTokens tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(Pair(await Accounts(grains).LoginAsync(request.Username!, request.Password!, cancellationToken), tokens));

    // request is never null here: the validation filter turns an empty body into GuestRequest.FromQuery's request.
    public static async Task<Ok<TokenPairResponse>> GuestAsync([FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] GuestRequest? request, IGrainFactory grains, AccessTokens tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(Pair(
            await Accounts(grains).LoginGuestAsync(
                new GuestSignIn(request!.GuestId, request.Nickname, new ConsentChange(request.DataConsent, request.VoiceConsent, request.ConsentVersion)),
                cancellationToken),
            tokens));

    public static async Task<Ok<TokenPairResponse>> RefreshAsync(RefreshRequest request, IGrainFactory grains, AccessTokens tokens, SignInRevocations revocations, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(Pair(await Accounts(grains).RefreshAsync(request.RefreshToken!, cancellationToken), tokens));
        }
        catch (RuleViolationException e) when (e.Code == RefreshTokenReused)
        {
            // The reuse revoked the sign-in: this gateway refuses its access tokens from now, not from the next poll.
            await revocations.SyncAsync(cancellationToken);
            throw;
        }
    }

    public static async Task<NoContent> LogoutAsync(RefreshRequest request, IGrainFactory grains, SignInRevocations revocations, CancellationToken cancellationToken)
    {
        await Accounts(grains).LogoutAsync(request.RefreshToken!, cancellationToken);

        // Before the 204: the client that signed out, asking again here at once, finds its access token refused.
        await revocations.SyncAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<UserResponse>> MeAsync(ClaimsPrincipal principal, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var user = await grains.GetGrain<IUserGrain>(AccessTokens.UserIdOf(principal)).GetAsync(cancellationToken);
        return TypedResults.Ok(Describe(user));
    }

    public static async Task<Ok<HeldDataResponse>> HeldDataAsync(ClaimsPrincipal principal, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var held = await grains.GetGrain<IUserGrain>(AccessTokens.UserIdOf(principal)).GetHeldDataAsync(cancellationToken);
        return TypedResults.Ok(new HeldDataResponse(Describe(held.User), held.Consents, held.RoleChanges, held.Research));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> ChangeConsentAsync(ConsentRequest request, ClaimsPrincipal principal, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (request.DataConsent is null && request.VoiceConsent is null)
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "missing_field", "Send data_consent, voice_consent or both.", new Dictionary<string, string[]>
            {
                ["data_consent"] = ["At least one consent field is required."],
                ["voice_consent"] = ["At least one consent field is required."],
            });
        }

        var user = await grains.GetGrain<IUserGrain>(AccessTokens.UserIdOf(principal))
            .ChangeConsentAsync(new ConsentChange(request.DataConsent, request.VoiceConsent, request.ConsentVersion), cancellationToken);
        return TypedResults.Ok(Describe(user));
    }

    public static async Task<Ok<WsTicketResponse>> IssueWsTicketAsync(ClaimsPrincipal principal, IGrainFactory grains, JwtSettings settings)
    {
        var ticket = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var holder = new WsTicketHolder(
            AccessTokens.UserIdOf(principal),
            principal.FindFirstValue("name") ?? string.Empty,
            principal.FindFirstValue(AccessTokens.GuestClaim) == "true",
            SignInRevocations.SignInOf(principal));
        await grains.GetGrain<IWsTicketGrain>(ticket).IssueAsync(holder, settings.WsTicketLifetime);
        return TypedResults.Ok(new WsTicketResponse(ticket, (int)settings.WsTicketLifetime.TotalSeconds));
    }

    private const string RefreshTokenReused = "refresh_token_reused";

    private static IAccountsGrain Accounts(IGrainFactory grains) => grains.GetGrain<IAccountsGrain>(0);

    private static TokenPairResponse Pair(AccountSession session, AccessTokens tokens) => new(
        tokens.Issue(session.User, session.SignInId),
        session.RefreshToken,
        "bearer",
        tokens.LifetimeSeconds,
        session.RefreshTokenExpiresAt,
        session.User.UserId,
        session.User.Username,
        session.User.IsGuest,
        session.User.IsGuest ? session.GuestId : null);

    private static UserResponse Describe(UserProfile user) => new(
        user.UserId,
        user.Username,
        user.Email,
        user.IsGuest,
        user.Nickname,
        user.DataConsent,
        user.VoiceConsent,
        user.Roles,
        user.CreatedAt,
        user.DataConsentGiven?.Version,
        user.DataConsentGiven?.At,
        user.VoiceConsentGiven?.Version,
        user.VoiceConsentGiven?.At);
}
