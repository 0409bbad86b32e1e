ALTER TABLE "mcp_servers" DROP CONSTRAINT "mcp_servers_stdio_command_id_mcp_stdio_commands_id_fk";
--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_stdio_command_id_mcp_stdio_commands_id_fk" FOREIGN KEY ("stdio_command_id") REFERENCES "public"."mcp_stdio_commands"("id") ON DELETE set null ON UPDATE no action;