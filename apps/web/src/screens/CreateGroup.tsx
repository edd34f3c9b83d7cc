/** Start a group: a name and what it is for. The creator becomes its first admin. */
import { useState } from "react";
import { useAction, useClient } from "../app/client.tsx";
import { navigate } from "../app/router.ts";
import { groupHash } from "../app/routes.ts";
import { BackLink } from "../ui/BackLink.tsx";
import { TextArea, TextField } from "../ui/Field.tsx";
import { ErrorNote } from "../ui/Notice.tsx";

export function CreateGroup() {
  const client = useClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useAction(async () =>
    client.createGroup({ name: name.trim(), description: description.trim() || undefined }),
  );
  return (
    <div className="screen narrow">
      <BackLink href="#/">Groups</BackLink>
      <h1>New group</h1>
      <p className="lead">Only the people you invite can see the group, its chat and its events.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const group = await create.run();
          if (group) navigate(groupHash(group.id, "members"));
        }}
      >
        <TextField
          label="Group name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          required
          autoFocus
        />
        <TextArea
          label="What is it for? (optional)"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          rows={3}
          maxLength={500}
        />
        <ErrorNote>{create.error}</ErrorNote>
        <button type="submit" className="primary wide" disabled={create.busy || !name.trim()}>
          {create.busy ? "Creating…" : "Create group"}
        </button>
      </form>
    </div>
  );
}
