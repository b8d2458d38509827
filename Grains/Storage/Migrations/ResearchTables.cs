using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>Accounts, refresh tokens, rooms and the research record of every room (participants, choices, consensus).</summary>
/// <remarks>
/// Times are UTC <c>DATETIME(6)</c>: the application writes them, so they never depend on the server's time zone.
/// Every table names its character set and collation because the database default may be latin1; the
/// collation is utf8mb4_unicode_ci, which MySQL 8 and MariaDB both have (MySQL's own default,
/// utf8mb4_0900_ai_ci, does not exist on MariaDB). Keys that must match exactly use a _bin collation.
/// </remarks>
[Migration(2026112602, "Accounts and research tables")]
public sealed class ResearchTables : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    // Room codes are six ASCII characters compared exactly; every referencing column repeats this type,
    // since a foreign key needs the same character set and collation on both sides.
    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // username_key is the normalized (upper-case) name: a binary unique index on it makes uniqueness
        // case-insensitive exactly the way the application normalizes, independent of collation rules.
        // Unique indexes allow many NULLs, which guests (no username) and registered users (no guest_id) need.
        Execute.Sql($"""
            CREATE TABLE users (
                id BIGINT NOT NULL AUTO_INCREMENT,
                username VARCHAR(32) NULL,
                username_key VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                email VARCHAR(254) NULL,
                password_hash VARCHAR(100) NULL,
                is_guest BOOLEAN NOT NULL,
                guest_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                nickname VARCHAR(32) NULL,
                data_consent BOOLEAN NOT NULL DEFAULT 0,
                voice_consent BOOLEAN NOT NULL DEFAULT 0,
                created_at DATETIME(6) NOT NULL,
                last_login_at DATETIME(6) NULL,
                CONSTRAINT pk_users PRIMARY KEY (id),
                CONSTRAINT uq_users_username_key UNIQUE (username_key),
                CONSTRAINT uq_users_guest_id UNIQUE (guest_id)
            ) {TableOptions}
            """);

        // Only hashes of refresh tokens are stored; family_id ties a rotation chain together so reuse of an
        // old token can revoke the whole family.
        Execute.Sql($"""
            CREATE TABLE refresh_tokens (
                id BIGINT NOT NULL AUTO_INCREMENT,
                token_hash BINARY(32) NOT NULL,
                family_id BINARY(16) NOT NULL,
                user_id BIGINT NOT NULL,
                issued_at DATETIME(6) NOT NULL,
                expires_at DATETIME(6) NOT NULL,
                used_at DATETIME(6) NULL,
                revoked_at DATETIME(6) NULL,
                CONSTRAINT pk_refresh_tokens PRIMARY KEY (id),
                CONSTRAINT uq_refresh_tokens_token_hash UNIQUE (token_hash),
                INDEX ix_refresh_tokens_family (family_id),
                INDEX ix_refresh_tokens_user (user_id),
                CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
            ) {TableOptions}
            """);

        // The indexes serve the public room list (by status and topic, newest first) and the research export
        // (by creation time).
        Execute.Sql($"""
            CREATE TABLE rooms (
                room_code {RoomCodeType} NOT NULL,
                title VARCHAR(100) NOT NULL,
                topic VARCHAR(64) NOT NULL,
                is_public BOOLEAN NOT NULL,
                host_user_id BIGINT NOT NULL,
                status VARCHAR(16) NOT NULL,
                current_round TINYINT NOT NULL DEFAULT 0,
                scenario_id VARCHAR(64) NULL,
                created_at DATETIME(6) NOT NULL,
                started_at DATETIME(6) NULL,
                finished_at DATETIME(6) NULL,
                CONSTRAINT pk_rooms PRIMARY KEY (room_code),
                INDEX ix_rooms_status_topic_created (status, topic, created_at),
                INDEX ix_rooms_created (created_at),
                INDEX ix_rooms_host_user (host_user_id),
                CONSTRAINT fk_rooms_host_user FOREIGN KEY (host_user_id) REFERENCES users (id)
            ) {TableOptions}
            """);

        Execute.Sql($"""
            CREATE TABLE room_participants (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                nickname VARCHAR(32) NOT NULL,
                role_id TINYINT NULL,
                joined_at DATETIME(6) NOT NULL,
                left_at DATETIME(6) NULL,
                CONSTRAINT pk_room_participants PRIMARY KEY (id),
                CONSTRAINT uq_room_participants_room_user UNIQUE (room_code, user_id),
                INDEX ix_room_participants_user (user_id),
                CONSTRAINT fk_room_participants_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_room_participants_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);

        // One row per participant and round (the unique key); the user index serves per-user statistics
        // across rooms, which the unique key's column order cannot.
        Execute.Sql($"""
            CREATE TABLE round_choices (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                round_number TINYINT NOT NULL,
                choice TINYINT NOT NULL,
                confidence TINYINT NOT NULL,
                revision INT NOT NULL DEFAULT 1,
                submission_id VARCHAR(64) NULL,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_round_choices PRIMARY KEY (id),
                CONSTRAINT uq_round_choices_room_round_user UNIQUE (room_code, round_number, user_id),
                INDEX ix_round_choices_user (user_id),
                CONSTRAINT fk_round_choices_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_round_choices_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);

        Execute.Sql($"""
            CREATE TABLE consensus_choices (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                round_number TINYINT NOT NULL,
                choice TINYINT NOT NULL,
                confidence TINYINT NOT NULL,
                submitted_by BIGINT NULL,
                submission_id VARCHAR(64) NULL,
                created_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_consensus_choices PRIMARY KEY (id),
                CONSTRAINT uq_consensus_choices_room_round UNIQUE (room_code, round_number),
                INDEX ix_consensus_choices_submitted_by (submitted_by),
                CONSTRAINT fk_consensus_choices_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_consensus_choices_submitted_by FOREIGN KEY (submitted_by) REFERENCES users (id)
            ) {TableOptions}
            """);
    }

    public override void Down()
    {
        // Children before parents, so no foreign key blocks a drop.
        Delete.Table("consensus_choices");
        Delete.Table("round_choices");
        Delete.Table("room_participants");
        Delete.Table("rooms");
        Delete.Table("refresh_tokens");
        Delete.Table("users");
    }
}
