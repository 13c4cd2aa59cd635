import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { created, ifMatchOf, withEtag } from '../http/preconditions.js';
import { read, work } from '../http/unit-of-work.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import {
  addMember,
  changeMemberRole,
  getMember,
  listMembers,
  removeMember,
} from './members.service.js';
import {
  AddMemberBody,
  MemberParams,
  MemberRoleBody,
  MemberSchema,
  NewProjectBody,
  ProjectParams,
  ProjectPatchBody,
  ProjectSchema,
} from './projects.schemas.js';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from './projects.service.js';

/** `/api/v1/projects`: projects and their members. */
export const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['projects'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/projects',
    {
      schema: {
        ...common,
        summary: "The caller's projects (owned or member of)",
        querystring: PageQuery,
        response: { 200: Page(ProjectSchema), ...problems(400, 401) },
      },
    },
    (request) => read(request, (db, ctx) => listProjects(db, ctx, request.query)),
  );

  app.post(
    '/projects',
    {
      schema: {
        ...common,
        summary: 'Create a project; the caller becomes its owner',
        body: NewProjectBody,
        response: { 201: ProjectSchema, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const project = await work(request, (tx, ctx) => createProject(tx, ctx, request.body));
      return withEtag(created(reply, `/api/v1/projects/${project.id}`), project);
    },
  );

  app.get(
    '/projects/:projectId',
    {
      // The answer carries the caller's role, which the project's version does not follow.
      config: { conditionalGet: false },
      schema: {
        ...common,
        summary: 'A project (its version is the ETag)',
        params: ProjectParams,
        response: { 200: ProjectSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await read(request, (db, ctx) => getProject(db, ctx, request.params.projectId)),
      ),
  );

  app.patch(
    '/projects/:projectId',
    {
      schema: {
        ...common,
        summary: 'Rename or re-describe a project (owners; honours If-Match)',
        params: ProjectParams,
        body: ProjectPatchBody,
        response: { 200: ProjectSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const project = await work(request, (tx, ctx) =>
        updateProject(tx, ctx, request.params.projectId, request.body, ifMatchOf(request)),
      );
      return withEtag(reply, project);
    },
  );

  app.delete(
    '/projects/:projectId',
    {
      schema: {
        ...common,
        summary: 'Delete a project and everything in it (owners; honours If-Match)',
        params: ProjectParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteProject(tx, ctx, request.params.projectId, ifMatchOf(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/projects/:projectId/members',
    {
      schema: {
        ...common,
        summary: "A project's members",
        params: ProjectParams,
        querystring: PageQuery,
        response: { 200: Page(MemberSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) => listMembers(db, ctx, request.params.projectId, request.query)),
  );

  app.post(
    '/projects/:projectId/members',
    {
      schema: {
        ...common,
        summary: 'Add an existing user by e-mail (owners)',
        params: ProjectParams,
        body: AddMemberBody,
        response: { 201: MemberSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const member = await work(request, (tx, ctx) =>
        addMember(tx, ctx, request.params.projectId, request.body),
      );
      return created(
        reply,
        `/api/v1/projects/${request.params.projectId}/members/${member.userId}`,
      ).send(member);
    },
  );

  app.get(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        ...common,
        summary: 'A member of the project, with their role',
        params: MemberParams,
        response: { 200: MemberSchema, ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        getMember(db, ctx, request.params.projectId, request.params.userId),
      ),
  );

  app.patch(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        ...common,
        summary: "Change a member's role (owners; the last owner cannot be demoted)",
        params: MemberParams,
        body: MemberRoleBody,
        response: { 200: MemberSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      work(request, (tx, ctx) =>
        changeMemberRole(
          tx,
          ctx,
          request.params.projectId,
          request.params.userId,
          request.body.role,
        ),
      ),
  );

  app.delete(
    '/projects/:projectId/members/:userId',
    {
      schema: {
        ...common,
        summary: 'Remove a member (owners), or leave (anyone); never the last owner',
        params: MemberParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        removeMember(tx, ctx, request.params.projectId, request.params.userId),
      );
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
