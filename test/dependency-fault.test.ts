/**
 * Which errors are a dependency out of reach (503, try again) rather than a mistake or a defect
 * (services/errors.ts isDependencyFault): Sequelize's connection errors, pg's connection
 * exceptions, Temporal's UNAVAILABLE and DEADLINE_EXCEEDED, also as the cause of the SDK's errors.
 */
import { expect } from 'chai';
import { Metadata, status } from '@grpc/grpc-js';
import { ServiceError as TemporalServiceError } from '@temporalio/client';
import { ConnectionRefusedError, DatabaseError, TimeoutError, UniqueConstraintError } from 'sequelize';
import { isDependencyFault, UnavailableError, ValidationError } from '../services/errors.ts';

/** A gRPC error as @grpc/grpc-js makes it (code, details, metadata). */
const grpcError = (code: status) => Object.assign(new Error(`${code} ${status[code]}: no connection`), { code, details: 'no connection', metadata: new Metadata() });

describe('dependency faults: what answers 503', () => {
  it('says yes for PostgreSQL out of reach: a refused connection, a lock or statement timeout, a connection exception', () => {
    expect(isDependencyFault(new ConnectionRefusedError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })))).to.equal(true);
    expect(isDependencyFault(new TimeoutError(Object.assign(new Error('canceling statement due to lock timeout'), { sql: 'SELECT 1' }) as never))).to.equal(true);
    expect(isDependencyFault(new DatabaseError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', sql: 'SELECT 1' }) as never))).to.equal(true);
    expect(isDependencyFault(new UnavailableError(new Error('x')))).to.equal(true);
  });

  it('says yes for Temporal out of reach or too slow, bare or wrapped by the SDK', () => {
    expect(isDependencyFault(grpcError(status.UNAVAILABLE))).to.equal(true);
    expect(isDependencyFault(grpcError(status.DEADLINE_EXCEEDED))).to.equal(true);
    expect(isDependencyFault(new TemporalServiceError('Failed to list workflows', { cause: grpcError(status.UNAVAILABLE) }))).to.equal(true);
  });

  it('says no for a mistake in the request or a defect', () => {
    expect(isDependencyFault(new Error('undefined is not a function'))).to.equal(false);
    expect(isDependencyFault(new ValidationError([{ field: 'title', key: 'required' }]))).to.equal(false);
    expect(isDependencyFault(new UniqueConstraintError({ message: 'duplicate key' }))).to.equal(false);
    expect(isDependencyFault(grpcError(status.NOT_FOUND))).to.equal(false);
    expect(isDependencyFault(grpcError(status.INVALID_ARGUMENT))).to.equal(false);
    expect(isDependencyFault(undefined)).to.equal(false);
    expect(isDependencyFault(Object.assign(new Error('a number that is not gRPC'), { code: 14 }))).to.equal(false);
  });
});
