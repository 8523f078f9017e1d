export { authenticateNativeRequest, isSessionPrincipal, userOf, type SessionPrincipal } from './authenticate-request.ts';
export { findMember, findMemberByEmail, getMember, listMembers, type Member } from './members.ts';
export { peopleMigrations } from './migrations.ts';
export { createOwnerSetupToken } from './owner-setup.ts';
export { setupLink } from './links.ts';
export { registerPeopleRoutes } from './routes.ts';
export { peopleRetention } from './retention.ts';
